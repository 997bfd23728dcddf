import type { Account } from '../../src/store/repos/accounts.ts';

/**
 * An account row as stored, for tests and benchmarks that write the table directly: an empty,
 * healthy, never-refreshed account; `extra` sets what the test is about.
 */
export function accountRow(id: string, extra: Partial<Account> = {}): Account {
  return {
    id,
    workspace_id: 'ws_1',
    app_id: 'app_1',
    oauth_app_id: null,
    owner_user_id: null,
    external_user_id: null,
    external_id: null,
    name: null,
    visibility: 'private',
    scopes: '[]',
    metadata: '{}',
    credentials: Buffer.alloc(0),
    refresh_fingerprint: null,
    healthy: 1,
    dead: 0,
    error: null,
    expires_at: null,
    token_issued_at: null,
    refresh_token_expires_at: null,
    last_refreshed_at: null,
    next_refresh_at: null,
    refresh_failures: 0,
    lease_owner: null,
    lease_expires_at: null,
    created_at: 0,
    updated_at: 0,
    ...extra,
  };
}
