/**
 * The one catalogue of error codes a client can see. Each code has a status and a default
 * sentence; a test checks that every code here is documented in the README's error table.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_cursor: { status: 400, message: 'The pagination cursor is not valid.' },
  bad_http: { status: 400, message: 'The request is not valid HTTP.' },
  unauthorized: { status: 401, message: 'A valid API key or session is required.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  csrf_failed: { status: 403, message: 'The x-csrf-token header is missing or wrong.' },
  signup_closed: { status: 403, message: 'Sign-up needs an invitation on this instance.' },
  not_found: { status: 404, message: 'Not found.' },
  account_not_found: { status: 404, message: 'No such account.' },
  app_not_found: { status: 404, message: 'No such app.' },
  oauth_app_not_found: { status: 404, message: 'No such OAuth app.' },
  connect_token_invalid: { status: 404, message: 'This connect link is unknown or was used.' },
  connect_token_expired: { status: 410, message: 'This connect link has expired.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  app_exists: { status: 409, message: 'An app with this name_slug already exists.' },
  account_dead: { status: 409, message: 'The account must be reconnected.' },
  discovery_failed: { status: 422, message: 'The issuer discovery document could not be read.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  headers_too_large: { status: 431, message: 'The request line and headers are too large.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  refresh_unavailable: { status: 503, message: 'The provider could not refresh the token now.' },
  not_ready: { status: 503, message: 'The database is not reachable.' },
  database_unavailable: {
    status: 503,
    message: 'The database is not answering right now; try again shortly.',
  },
  master_key_error: {
    status: 503,
    message: 'A stored secret cannot be opened with the master keys this server was given.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error meant for the client: its code, status and sentence come from the catalogue. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly extra: { headers?: Record<string, string>; data?: unknown } = {},
  ) {
    super(message ?? errorCatalogue[code].message);
    this.status = errorCatalogue[code].status;
  }
}
