import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001_initial.ts';
import * as loginFailures from './002_login_failures.ts';

/** Migrations are listed in code, not read from a folder, so they ship with the bundle. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { '001_initial': initial, '002_login_failures': loginFailures };
  },
};
