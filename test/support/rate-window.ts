import { sleep } from '../../src/lib/clock.ts';

/**
 * Rate limits count in fixed minutes of the wall clock (shared by every process on a database).
 * A test that counts requests up to a limit starts at the top of a new minute when fewer than
 * `neededMs` are left in this one, so its requests are not split over two windows.
 */
export async function withinOneRateWindow(neededMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await sleep(left + 50);
}
