import { ApiError } from '../lib/errors.ts';

export interface Page<T> {
  data: T[];
  page_info: {
    count: number;
    total_count: number;
    start_cursor: string | null;
    end_cursor: string | null;
  };
}

export interface Cursor {
  createdAt: number;
  id: string;
}

/** An opaque keyset cursor: the (created_at, id) of a row, base64url-encoded. */
export function encodeCursor(row: { created_at: number; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

/** Reads a cursor, or throws 400 invalid_cursor for anything this server did not make. */
export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string'
    ) {
      return { createdAt: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // reported below
  }
  throw new ApiError('invalid_cursor');
}
