/** JSON schemas shared by routes; they validate input, shape output and feed /docs. */

export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    code: { type: 'string' },
    request_id: { type: 'string' },
    data: {},
  },
  required: ['error', 'code', 'request_id'],
} as const;

export const timestamp = { type: ['string', 'null'], format: 'date-time' } as const;

export const pageInfoSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    total_count: { type: 'integer' },
    start_cursor: { type: ['string', 'null'] },
    end_cursor: { type: ['string', 'null'] },
  },
} as const;

/** `1`, `true`, `0`, `false` in a query string (API.md, "Conventions"). */
export const queryBoolean = { type: 'string', enum: ['1', 'true', '0', 'false'] } as const;

export const isTrue = (value: string | undefined) => value === '1' || value === 'true';

export const paginationQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
  after: { type: 'string', maxLength: 512 },
  before: { type: 'string', maxLength: 512 },
} as const;

export const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    external_id: { type: ['string', 'null'] },
    external_user_id: { type: ['string', 'null'] },
    healthy: { type: 'boolean' },
    dead: { type: 'boolean' },
    error: { type: ['string', 'null'] },
    app: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name_slug: { type: 'string' },
        name: { type: 'string' },
        auth_type: { type: 'string' },
      },
    },
    oauth_app_id: { type: ['string', 'null'] },
    authorized_scopes: { type: 'array', items: { type: 'string' } },
    owner_user_id: { type: ['string', 'null'] },
    visibility: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true },
    created_at: timestamp,
    updated_at: timestamp,
    expires_at: timestamp,
    last_refreshed_at: timestamp,
    next_refresh_at: timestamp,
    member_ids: {
      type: 'array',
      items: { type: 'string' },
      description: 'In lists: the members the account is shared with by name.',
    },
    credentials: {
      type: 'object',
      additionalProperties: { type: ['string', 'null'] },
      description: 'Only with include_credentials and the credentials:read scope.',
    },
  },
} as const;

/** An OAuth scope: RFC 6749's scope-token, printable ASCII without space, quote or backslash. */
export const scopeToken = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$',
} as const;

/** A body for routes that take none: absent, or an empty JSON object. */
export const emptyBody = { type: ['object', 'null'], additionalProperties: false } as const;

export const idParam = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 1000 } },
  required: ['id'],
} as const;

/** What became of a connect token (POST /v1/connect/tokens/status): null fields while unused. */
export const connectTokenStatusSchema = {
  type: 'object',
  properties: {
    expires_at: { type: 'string', format: 'date-time' },
    used_at: timestamp,
    account_id: { type: ['string', 'null'] },
  },
  required: ['expires_at', 'used_at', 'account_id'],
} as const;

/** Standard error answers for a route's `response` map. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  429: errorSchema,
  503: errorSchema,
} as const;

/** The 200 answer of a keyset-paginated list: `{ data: [item…], page_info }`. */
export function listSchema<T extends object>(item: T) {
  return {
    type: 'object',
    properties: { data: { type: 'array', items: item }, page_info: pageInfoSchema },
  } as const;
}
