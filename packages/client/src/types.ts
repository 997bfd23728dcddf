/** The account object of Latchkey's API (and Pipedream's), as it comes off the wire. */
export interface Account {
  id: string;
  name: string | null;
  external_id: string | null;
  external_user_id: string | null;
  healthy: boolean;
  dead: boolean;
  error: string | null;
  app: { id: string; name_slug: string; name: string; auth_type: string };
  oauth_app_id: string | null;
  authorized_scopes?: string[];
  created_at: string;
  updated_at: string;
  /** Expiry of the current access token; null when it never expires. */
  expires_at: string | null;
  last_refreshed_at?: string | null;
  next_refresh_at?: string | null;
  /** Present only when credentials were asked for. */
  credentials?: Record<string, string | null>;
  [field: string]: unknown;
}

export interface PageInfo {
  count: number;
  total_count: number;
  start_cursor: string | null;
  /** Null on the last page. */
  end_cursor: string | null;
}

export interface Page<T> {
  data: T[];
  page_info: PageInfo;
}

/** What `getCredentials` hands out: the account's secret fields and how long they hold. */
export interface Credentials {
  readonly accountId: string;
  /** `oauth_access_token` for OAuth accounts; null for keys apps (read `fields`). */
  readonly accessToken: string | null;
  /** Every credential field as served, e.g. `oauth_access_token` or a keys app's `api_key`. */
  readonly fields: Readonly<Record<string, string | null>>;
  /** When the access token expires; null when it does not. */
  readonly expiresAt: Date | null;
  /** When the client received them (its own clock). */
  readonly fetchedAt: Date;
}

export type Query = Record<string, string | number | boolean | undefined | null>;
