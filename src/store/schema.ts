/**
 * The database as Kysely sees it. The same shapes on SQLite and PostgreSQL: times are epoch
 * milliseconds (bigint), flags are 0/1 integers, lists and maps are JSON text, and sealed
 * values are bytes (blob / bytea).
 */
export interface Database {
  workspaces: WorkspaceRow;
  users: UserRow;
  memberships: MembershipRow;
  sessions: SessionRow;
  invitations: InvitationRow;
  api_keys: ApiKeyRow;
  apps: AppRow;
  oauth_apps: OAuthAppRow;
  connect_tokens: ConnectTokenRow;
  oauth_states: OAuthStateRow;
  accounts: AccountRow;
  account_shares: AccountShareRow;
  audit_events: AuditEventRow;
  login_failures: LoginFailureRow;
  rate_limit_counts: RateLimitCountRow;
}

export interface WorkspaceRow {
  id: string;
  name: string;
  created_at: number;
}

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  created_at: number;
}

export type Role = 'owner' | 'admin' | 'member';

export interface MembershipRow {
  workspace_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** One failed (or not yet checked) login of an email from an address. */
export interface LoginFailureRow {
  id: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  ip: string;
  failed_at: number;
}

/** Requests counted for a rate-limit key in one fixed window, by every process together. */
export interface RateLimitCountRow {
  /** `key:<api key id>`, `user:<user id>`, `ip:<address>`, or a route's own key; no secrets. */
  key: string;
  window_start: number;
  /** The end of the window; the row is deleted some time after. */
  expires_at: number;
  count: number;
}

export interface InvitationRow {
  id: string;
  workspace_id: string;
  email: string;
  role: Role;
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
}

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  user_id: string | null;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface AppRow {
  id: string;
  workspace_id: string;
  name_slug: string;
  name: string;
  auth_type: 'oauth' | 'keys' | 'none';
  config: string;
  created_at: number;
}

export interface OAuthAppRow {
  id: string;
  workspace_id: string;
  app_id: string;
  client_id: string;
  client_secret: Uint8Array | null;
  scopes: string;
  created_by: string | null;
  created_at: number;
}

export interface ConnectTokenRow {
  id: string;
  token_hash: string;
  workspace_id: string;
  created_by: string | null;
  app_id: string;
  oauth_app_id: string | null;
  external_user_id: string | null;
  success_redirect_uri: string | null;
  error_redirect_uri: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The account the link connected or reconnected; null until it is used. */
  account_id: string | null;
}

export interface OAuthStateRow {
  state_hash: string;
  connect_token_id: string;
  account_id: string | null;
  code_verifier: Uint8Array | null;
  nonce: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AccountRow {
  id: string;
  workspace_id: string;
  app_id: string;
  oauth_app_id: string | null;
  owner_user_id: string | null;
  external_user_id: string | null;
  external_id: string | null;
  name: string | null;
  visibility: 'private' | 'workspace';
  scopes: string;
  metadata: string;
  credentials: Uint8Array;
  /** HMAC of the refresh token in `credentials`; the compare-and-swap key of a refresh. */
  refresh_fingerprint: string | null;
  healthy: number;
  dead: number;
  error: string | null;
  expires_at: number | null;
  /** When the current access token was received; its lifetime is expires_at minus this. */
  token_issued_at: number | null;
  refresh_token_expires_at: number | null;
  last_refreshed_at: number | null;
  next_refresh_at: number | null;
  refresh_failures: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AccountShareRow {
  account_id: string;
  user_id: string;
}

export interface AuditEventRow {
  id: string;
  workspace_id: string;
  action: string;
  actor_type: 'user' | 'api_key' | 'system' | 'anonymous';
  actor_id: string | null;
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string;
  created_at: number;
}
