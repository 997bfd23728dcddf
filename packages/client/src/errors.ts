import type { Account } from './types.ts';

export interface ErrorDetails {
  status: number;
  code: string;
  requestId?: string | null;
  cause?: unknown;
}

/**
 * Any answer of the API other than 2xx, or no answer at all (`status` 0). `code` is the API's
 * stable `code` field; `message` its human sentence.
 */
export class LatchkeyError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(message: string, details: ErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId ?? null;
  }
}

/** The server could not be reached, or its answer was cut off. */
export class ConnectionError extends LatchkeyError {}

/** 400: the request was refused as invalid; the message names the field. */
export class ValidationError extends LatchkeyError {}

/** 401: the API key is missing, wrong, revoked or expired. */
export class AuthenticationError extends LatchkeyError {}

/** 403: the key lacks the scope, or the account is not shared with its user. */
export class ForbiddenError extends LatchkeyError {}

/** 404: no such account (or app, route…), or one the key may not see. */
export class NotFoundError extends LatchkeyError {}

/** 409: the request conflicts with the current state. */
export class ConflictError extends LatchkeyError {}

/** 409 `account_dead`: only a reconnect can fix the account; retrying will not. */
export class AccountDeadError extends ConflictError {
  /** The account as the server described it (without credentials), when it sent one. */
  readonly account: Account | null;

  constructor(message: string, details: ErrorDetails & { account: Account | null }) {
    super(message, details);
    this.account = details.account;
  }
}

/** 429 after the client's own retries ran out; `retryAfter` in seconds when the server said. */
export class RateLimitedError extends LatchkeyError {
  constructor(
    message: string,
    details: ErrorDetails,
    readonly retryAfter: number | null,
  ) {
    super(message, details);
  }
}

/** 503: the service cannot answer now; `retryAfter` in seconds when the server said. */
export class ServiceUnavailableError extends LatchkeyError {
  constructor(
    message: string,
    details: ErrorDetails,
    readonly retryAfter: number | null,
  ) {
    super(message, details);
  }
}

/**
 * 503 `refresh_unavailable`: the token has expired and the provider could not refresh it now
 * (it was down, slow or rate-limiting). The account is not dead; try again after `retryAfter`.
 */
export class RefreshUnavailableError extends ServiceUnavailableError {}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); null when absent. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Builds the typed error for a non-2xx answer from its status, headers and parsed body. */
export function errorFromResponse(status: number, headers: Headers, body: unknown): LatchkeyError {
  const envelope = isObject(body) ? body : {};
  const code = typeof envelope.code === 'string' ? envelope.code : `http_${status}`;
  const message =
    typeof envelope.error === 'string' ? envelope.error : `Latchkey answered HTTP ${status}.`;
  const requestId =
    (typeof envelope.request_id === 'string' ? envelope.request_id : null) ??
    headers.get('x-request-id');
  const details: ErrorDetails = { status, code, requestId };
  const retryAfter = parseRetryAfter(headers.get('retry-after'));

  if (code === 'account_dead') {
    const account = isObject(envelope.data) ? (envelope.data as Account) : null;
    return new AccountDeadError(message, { ...details, account });
  }

  if (code === 'refresh_unavailable')
    return new RefreshUnavailableError(message, details, retryAfter);

  switch (status) {
    case 400:
    case 422:
      return new ValidationError(message, details);
    case 401:
      return new AuthenticationError(message, details);
    case 403:
      return new ForbiddenError(message, details);
    case 404:
      return new NotFoundError(message, details);
    case 409:
      return new ConflictError(message, details);
    case 429:
      return new RateLimitedError(message, details, retryAfter);
    case 503:
      return new ServiceUnavailableError(message, details, retryAfter);
    default:
      return new LatchkeyError(message, details);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
