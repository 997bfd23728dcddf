import { useEffect, useState } from 'preact/hooks';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 52 minutes", "3 days ago"; `fallback` when there is no time. */
export function fromNow(iso: string | null | undefined, fallback = '—', now = Date.now()): string {
  if (!iso) return fallback;
  const diff = Date.parse(iso) - now;
  if (Number.isNaN(diff)) return fallback;
  if (Math.abs(diff) < 45_000) return diff >= 0 ? 'in a few seconds' : 'just now';

  for (const [unit, size] of units) {
    if (Math.abs(diff) >= size || unit === 'second') {
      return relative.format(Math.round(diff / size), unit);
    }
  }
  return fallback;
}

/** Whether a time has come (an expiry reached); false when there is no time. */
export function isPast(iso: string | null | undefined, now = Date.now()): boolean {
  if (!iso) return false;
  const time = Date.parse(iso);
  return !Number.isNaN(time) && time <= now;
}

/** Relative times ("in 40 minutes") drift; re-render every 30 s so they stay true. */
export function useTick(ms = 30_000): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/** The full local date and time, for a tooltip next to a relative time. */
export function exactTime(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : absolute.format(time);
}
