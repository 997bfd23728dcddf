import type { Kysely, Selectable } from 'kysely';
import type { AccountPatch } from './accounts.ts';
import type { AccountRow, ConnectTokenRow, Database, OAuthStateRow } from '../schema.ts';

export type ConnectToken = Selectable<ConnectTokenRow>;
export type OAuthState = Selectable<OAuthStateRow>;

/** The account write a connect token's use makes: a new account, or new credentials for one. */
export type AccountWrite =
  | { kind: 'insert'; row: Selectable<AccountRow> }
  | { kind: 'update'; id: string; patch: AccountPatch };

/** What claiming a connect token together with its account write came to. */
export type ClaimOutcome = 'written' | 'token_used' | 'account_gone';

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
   * Claims a connect token for one account write, in one transaction with that write: the token
   * is marked used (with the account's id) only if nobody marked it before, and the account is
   * written only if that claim won. Of any number of concurrent callers exactly one gets
   * 'written'; the others get 'token_used' and nothing of theirs is stored.
   *
   * Race-safety: on PostgreSQL the conditional UPDATE takes the token row's lock, so a second
   * claimer waits for the first transaction and, under READ COMMITTED, re-checks
   * `used_at is null` against the committed row (0 rows). On SQLite the UPDATE is the
   * transaction's first statement, so it takes the write lock before reading (no stale
   * snapshot to upgrade), and writers are serialised. 'account_gone': the account to reconnect
   * was deleted meanwhile; the claim is rolled back and the token stays usable.
   */
  async claimTokenAndWrite(
    tokenId: string,
    now: number,
    accountId: string,
    write: AccountWrite,
  ): Promise<ClaimOutcome> {
    const gone = new Error('account gone');
    try {
      return await this.db.transaction().execute(async (trx) => {
        const claim = await trx
          .updateTable('connect_tokens')
          .set({ used_at: now, account_id: accountId })
          .where('id', '=', tokenId)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(claim.numUpdatedRows) !== 1) return 'token_used' as const;
        if (write.kind === 'insert') {
          await trx.insertInto('accounts').values(write.row).execute();
        } else {
          const updated = await trx
            .updateTable('accounts')
            .set(write.patch)
            .where('id', '=', write.id)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw gone; // rolls the claim back
        }
        return 'written' as const;
      });
    } catch (err) {
      if (err === gone) return 'account_gone';
      throw err;
    }
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
