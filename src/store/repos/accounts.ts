import { keysetPage } from './keyset.ts';
import { CompiledQuery, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { AccountRow, Database } from '../schema.ts';

export type Account = Selectable<AccountRow>;
export type AccountPatch = Updateable<AccountRow>;

/** What the background refresher needs of a due account: who it is and where it refreshes. */
export type DueAccount = Pick<
  Account,
  'id' | 'next_refresh_at' | 'workspace_id' | 'app_id' | 'oauth_app_id'
>;

export interface AccountFilter {
  workspaceId: string;
  appId?: string;
  oauthAppId?: string;
  externalUserId?: string;
  /** Keyset position: rows strictly after / before (created_at, id) in newest-first order. */
  after?: { createdAt: number; id: string };
  before?: { createdAt: number; id: string };
  /**
   * Restricts to accounts this user may see (theirs, shared with the workspace or with them,
   * and with `includeEndUsers` those connected for an end user); undefined means every account.
   */
  visibleTo?: { userId: string; includeEndUsers: boolean };
  limit: number;
}

export class AccountRepository {
  /**
   * The read of every credentials request, built and compiled once: building it anew costs
   * about as much as running it on SQLite. Its one parameter is the id.
   */
  private readonly byId: string;

  constructor(private readonly db: Kysely<Database>) {
    this.byId = db.selectFrom('accounts').selectAll().where('id', '=', '').compile().sql;
  }

  async get(id: string): Promise<Account | undefined> {
    const { rows } = await this.db.executeQuery<Account>(CompiledQuery.raw(this.byId, [id]));
    return rows[0];
  }

  async insert(row: Account): Promise<void> {
    await this.db.insertInto('accounts').values(row).execute();
  }

  async update(id: string, patch: AccountPatch): Promise<void> {
    await this.db.updateTable('accounts').set(patch).where('id', '=', id).execute();
  }

  /**
   * Writes a refresh's result only if the refresh token it used is still the stored one
   * (compare-and-swap on its fingerprint); false means another writer got there first.
   */
  async swapCredentials(
    id: string,
    expectedFingerprint: string | null,
    patch: AccountPatch,
  ): Promise<boolean> {
    let query = this.db.updateTable('accounts').set(patch).where('id', '=', id);
    query =
      expectedFingerprint === null
        ? query.where('refresh_fingerprint', 'is', null)
        : query.where('refresh_fingerprint', '=', expectedFingerprint);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Takes the refresh lease of an account when nobody holds it or the holder's lease ran out.
   * One UPDATE, so exactly one of several processes racing for it wins.
   */
  async tryLease(id: string, owner: string, now: number, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ lease_owner: owner, lease_expires_at: until })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseLease(id: string, owner: string, patch: AccountPatch = {}): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ ...patch, lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Accounts whose background refresh is due, oldest due first, skipping those another
   * process holds a live lease on. A range scan of the `next_refresh_at` index that stops
   * after `limit` rows, so its cost follows the batch, not the number of accounts.
   */
  async due(now: number, limit: number): Promise<DueAccount[]> {
    return this.dueQuery(now, limit).execute() as Promise<DueAccount[]>;
  }

  /** The due query itself, for `due` and for EXPLAIN in the benchmark. */
  dueQuery(now: number, limit: number) {
    return this.db
      .selectFrom('accounts')
      .select(['id', 'next_refresh_at', 'workspace_id', 'app_id', 'oauth_app_id'])
      .where('next_refresh_at', '<=', now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
      .orderBy('next_refresh_at')
      .limit(limit);
  }

  async list(filter: AccountFilter): Promise<Account[]> {
    return keysetPage(this.filtered(filter).selectAll(), filter);
  }

  async count(filter: AccountFilter): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private filtered(filter: AccountFilter) {
    let query = this.db.selectFrom('accounts').where('workspace_id', '=', filter.workspaceId);
    if (filter.appId) query = query.where('app_id', '=', filter.appId);
    if (filter.oauthAppId) query = query.where('oauth_app_id', '=', filter.oauthAppId);
    if (filter.externalUserId) query = query.where('external_user_id', '=', filter.externalUserId);

    const visible = filter.visibleTo;
    if (!visible) return query;
    return query.where((eb) =>
      eb.or([
        eb('owner_user_id', '=', visible.userId),
        eb('visibility', '=', 'workspace'),
        ...(visible.includeEndUsers
          ? [eb.and([eb('owner_user_id', 'is', null), eb('external_user_id', 'is not', null)])]
          : []),
        eb(
          'id',
          'in',
          eb
            .selectFrom('account_shares')
            .select('account_id')
            .where('user_id', '=', visible.userId),
        ),
      ]),
    );
  }

  async countByOAuthApp(oauthAppId: string): Promise<number> {
    const row = await this.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('oauth_app_id', '=', oauthAppId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('account_shares').where('account_id', '=', id).execute();
    await this.db.deleteFrom('accounts').where('id', '=', id).execute();
  }

  async shares(id: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('account_shares')
      .select('user_id')
      .where('account_id', '=', id)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** The named shares of several accounts at once, by account id. */
  async sharesFor(ids: string[]): Promise<Map<string, string[]>> {
    const shares = new Map<string, string[]>();
    if (ids.length === 0) return shares;
    const rows = await this.db
      .selectFrom('account_shares')
      .select(['account_id', 'user_id'])
      .where('account_id', 'in', ids)
      .execute();
    for (const row of rows) {
      shares.set(row.account_id, [...(shares.get(row.account_id) ?? []), row.user_id]);
    }
    return shares;
  }

  async setShares(id: string, userIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('account_shares').where('account_id', '=', id).execute();
      if (userIds.length > 0) {
        await trx
          .insertInto('account_shares')
          .values(userIds.map((user_id) => ({ account_id: id, user_id })))
          .execute();
      }
    });
  }
}
