import type { Kysely, Selectable } from 'kysely';
import type { ConnectTokenRow, Database, OAuthStateRow } from '../schema.ts';

export type ConnectToken = Selectable<ConnectTokenRow>;
export type OAuthState = Selectable<OAuthStateRow>;

export class ConnectRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertToken(row: ConnectToken): Promise<void> {
    await this.db.insertInto('connect_tokens').values(row).execute();
  }

  async tokenByHash(hash: string): Promise<ConnectToken | undefined> {
    return this.db
      .selectFrom('connect_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
  }

  async tokenById(id: string): Promise<ConnectToken | undefined> {
    return this.db.selectFrom('connect_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Marks a connect token used and records the account it connected; false when it already was
   * used (single use, race-safe).
   */
  async useToken(id: string, now: number, accountId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('connect_tokens')
      .set({ used_at: now, account_id: accountId })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertState(row: OAuthState): Promise<void> {
    await this.db.insertInto('oauth_states').values(row).execute();
  }

  /**
   * Takes an OAuth state once: returns its row only to the first caller, and only while it
   * has not expired.
   */
  async consumeState(hash: string, now: number): Promise<OAuthState | undefined> {
    const result = await this.db
      .updateTable('oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', hash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return this.db
      .selectFrom('oauth_states')
      .selectAll()
      .where('state_hash', '=', hash)
      .executeTakeFirst();
  }

  /** Drops states and tokens that can no longer be used. */
  async prune(now: number): Promise<void> {
    await this.db.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
    await this.db
      .deleteFrom('connect_tokens')
      .where('expires_at', '<', now - 86_400_000)
      .execute();
  }
}
