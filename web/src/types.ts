/** Wire shapes from API.md as the dashboard reads them; fields the server may omit are optional. */

export interface PageInfo {
  count: number;
  total_count: number;
  start_cursor: string | null;
  end_cursor: string | null;
}

export interface ListAnswer<T> {
  data: T[];
  page_info?: PageInfo;
}

export interface User {
  id: string;
  email: string;
  name?: string | null;
}

export type Role = 'owner' | 'admin' | 'member';

export interface WorkspaceMembership {
  id: string;
  name: string;
  role: Role;
}

export interface Me {
  user: User;
  workspaces: WorkspaceMembership[];
  current_workspace_id?: string | null;
  csrf_token: string;
}

export interface Account {
  id: string;
  name: string | null;
  external_id?: string | null;
  external_user_id?: string | null;
  healthy: boolean;
  dead: boolean;
  error: string | null;
  app: { id: string; name_slug: string; name: string; auth_type: AuthType };
  oauth_app_id: string | null;
  authorized_scopes?: string[];
  owner_user_id?: string | null;
  visibility?: 'private' | 'workspace';
  /** Members the account is shared with by name (PUT /v1/accounts/:id/access). */
  member_ids?: string[];
  created_at: string | null;
  updated_at?: string | null;
  expires_at: string | null;
  last_refreshed_at: string | null;
  next_refresh_at: string | null;
}

export type AuthType = 'oauth' | 'keys' | 'none';

export interface AppField {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
}

export interface App {
  id: string;
  name_slug: string;
  name: string;
  auth_type: AuthType;
  custom: boolean;
  oauth: {
    issuer: string | null;
    authorization_url: string;
    token_url: string;
    userinfo_url: string | null;
    revocation_url: string | null;
    default_scopes: string[];
    pkce: boolean;
    token_auth_method: string;
  } | null;
  fields: AppField[];
  created_at: string | null;
}

export interface OAuthClient {
  id: string;
  app: { id: string; name_slug: string };
  client_id: string;
  has_client_secret: boolean;
  scopes: string[];
  created_at: string | null;
}

export interface Member {
  user_id?: string;
  id?: string;
  email: string;
  name?: string | null;
  role: Role;
  created_at?: string | null;
}

export interface Invitation {
  id?: string;
  email: string;
  role: Role;
  expires_at: string | null;
  created_at?: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix?: string | null;
  scopes: string[];
  created_at: string | null;
  last_used_at?: string | null;
  expires_at?: string | null;
  revoked_at?: string | null;
}

export interface AuditEvent {
  id: string;
  action: string;
  actor?: { type: string; id: string | null; name?: string | null } | null;
  actor_type?: string;
  actor_id?: string | null;
  account_id: string | null;
  ip: string | null;
  user_agent?: string | null;
  details?: Record<string, unknown>;
  created_at: string;
}

export const SCOPES = [
  { name: 'accounts:read', help: 'List and read accounts, without credentials' },
  { name: 'credentials:read', help: 'Read access tokens and keys of shared accounts' },
  { name: 'accounts:write', help: 'Connect, refresh, share and delete accounts' },
  { name: 'apps:write', help: 'Add custom apps and OAuth clients' },
  { name: 'admin', help: 'Everything, including members and API keys' },
] as const;
