/**
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns the wait in
 * ms from `now`, or null when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null) {
    return null;
  }

  const value = header.trim();
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }

  // Date.parse reads '-5' as a year; an HTTP-date always names its day and month.
  const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) {
    return null;
  }

  return Math.max(0, date - now);
}
