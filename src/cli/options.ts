import { InvalidArgumentError } from 'commander';

/**
 * A commander argument parser for a whole number from `min` to `max`. It runs while the command
 * line is parsed, so a bad value stops the command (exit 2) before it sends any request, and
 * commander's message names the option in both forms (`option '-n, --limit <n>' argument 'abc'
 * is invalid.`). Digits only: `Number()` alone would take '', ' ', '0x10' and '1e3'.
 */
export function wholeNumber(
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): (value: string) => number {
  return (value: string) => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `Give a whole number, ${min} or more.`
          : `Give a whole number from ${min} to ${max}.`,
      );
    }
    return n;
  };
}
