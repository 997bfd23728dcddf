import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** An email's failed logins within a window: from all addresses, and from one of them. */
export interface FailureCounts {
  /** Failures of the email from every address. */
  email: number;
  /** Time of the oldest of those; null when there is none. */
  emailOldest: number | null;
  /** Failures of the email from the one address asked about. */
  pair: number;
  pairOldest: number | null;
}

/**
 * Failed logins by (normalised email, client IP), shared by every process on the database. Rows
 * leave on a successful login of the pair and by age (Maintenance); nothing else reads them.
 */
export class LoginFailureRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(email: string, ip: string, at: number): Promise<void> {
    await this.db
      .insertInto('login_failures')
      .values({ id: randomUUID(), email, ip, failed_at: at })
      .execute();
  }

  /** One query, answered from the (email, failed_at, ip) index: failures after `since`. */
  async counts(email: string, ip: string, since: number): Promise<FailureCounts> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => {
        const fromIp = eb.case().when('ip', '=', ip);
        return [
          eb.fn.countAll<number | string>().as('email'),
          eb.fn.min<number | null>('failed_at').as('email_oldest'),
          eb.fn
            .sum<number | string | null>(fromIp.then(eb.lit(1)).else(eb.lit(0)).end())
            .as('pair'),
          eb.fn.min<number | null>(fromIp.then(eb.ref('failed_at')).end()).as('pair_oldest'),
        ];
      })
      .where('email', '=', email)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow();
    return {
      email: Number(row.email),
      emailOldest: row.email_oldest === null ? null : Number(row.email_oldest),
      pair: Number(row.pair ?? 0),
      pairOldest: row.pair_oldest === null ? null : Number(row.pair_oldest),
    };
  }

  /** Forgets the failures of one email from one address (after it logged in from there). */
  async clearPair(email: string, ip: string): Promise<void> {
    await this.db
      .deleteFrom('login_failures')
      .where('email', '=', email)
      .where('ip', '=', ip)
      .execute();
  }

  /** Deletes failures at or before `cutoff`: they no longer count for anything. */
  async deleteOlderThan(cutoff: number): Promise<number> {
    const result = await this.db
      .deleteFrom('login_failures')
      .where('failed_at', '<=', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
