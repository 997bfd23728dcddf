import {
  AccountDeadError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ForbiddenError,
  LatchkeyError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
  ValidationError,
} from '../../packages/client/src/index.ts';

/**
 * The exit codes of the client commands; documented in the README, so keep them stable.
 * `serve` and `migrate` exit 0 or 1.
 */
export const EXIT = {
  ok: 0,
  /** Anything unexpected, including a 5xx from the server. */
  failure: 1,
  /** Wrong flags or arguments, no LATCHKEY_API_KEY, or a request the server refused as invalid. */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** The API key is wrong (401) or may not do this (403). */
  denied: 4,
  /** No such account, app, key… (404). */
  notFound: 5,
  /** A conflict (409), such as a dead account or an app slug already taken. */
  conflict: 6,
  /** Rate-limited or temporarily unavailable (429, 503) after the client's own retries. */
  unavailable: 7,
  /** Gave up waiting (connect). */
  timeout: 8,
} as const;

/** An expected way for a command to stop, with its exit code and message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof LatchkeyError)) return EXIT.failure;
  if (error instanceof ConnectionError) return EXIT.unreachable;
  if (error instanceof ValidationError) return EXIT.usage;
  if (error instanceof AuthenticationError || error instanceof ForbiddenError) return EXIT.denied;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof AccountDeadError || error instanceof ConflictError) return EXIT.conflict;
  if (error instanceof RateLimitedError || error instanceof ServiceUnavailableError) {
    return EXIT.unavailable;
  }
  return EXIT.failure;
}
