import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001_initial.ts';
import * as loginFailures from './002_login_failures.ts';
import * as rateLimitCounts from './003_rate_limit_counts.ts';
import * as connectTokenAccount from './004_connect_token_account.ts';
import * as listIndexes from './005_list_indexes.ts';

/** Migrations are listed in code, not read from a folder, so they ship with the bundle. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '001_initial': initial,
      '002_login_failures': loginFailures,
      '003_rate_limit_counts': rateLimitCounts,
      '004_connect_token_account': connectTokenAccount,
      '005_list_indexes': listIndexes,
    };
  },
};
