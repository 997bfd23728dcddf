import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionRow } from '../schema.ts';

export type Session = Selectable<SessionRow>;

/** Login sessions, stored by the SHA-256 of their cookie value only. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Session): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  async byHash(idHash: string): Promise<Session | undefined> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}
