import { Command } from 'commander';
import { registerAccounts } from './commands/accounts.ts';
import { registerApiKeys } from './commands/api-keys.ts';
import { registerApps } from './commands/apps.ts';
import { registerAudit } from './commands/audit.ts';
import { registerConnect } from './commands/connect.ts';
import { registerOAuthApps } from './commands/oauth-apps.ts';
import { addGlobalOptions } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { wholeNumber } from './options.ts';
import type { RotateFlags } from './keys-rotate.ts';

// The server-side commands load the server (Fastify, Kysely, drivers) only when run: a client
// command such as `accounts list` starts in a fraction of the time without them.

const program = new Command()
  .name('latchkey')
  .description('Connect accounts, keep their OAuth tokens fresh, and serve them.')
  .showHelpAfterError()
  // Usage errors exit 2 (EXIT.usage), apart from the server's own failures; help exits 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));
addGlobalOptions(program);

program
  .command('serve')
  .description('run the HTTP service')
  .option(
    '-p, --port <port>',
    'port to listen on (LATCHKEY_PORT, default 8080)',
    wholeNumber(0, 65535),
  )
  .option('-H, --host <host>', 'address to listen on (LATCHKEY_HOST, default 127.0.0.1)')
  .option('-d, --data-dir <dir>', 'data folder (LATCHKEY_DATA_DIR, default ./data)')
  .action(async (opts: { port?: number; host?: string; dataDir?: string }) => {
    const { serve } = await import('./serve.ts');
    await serve(opts);
  });

program
  .command('migrate')
  .description('bring the database schema up to date, then exit')
  .option('-d, --data-dir <dir>', 'data folder (LATCHKEY_DATA_DIR, default ./data)')
  .action(async (opts: { dataDir?: string }) => {
    const { loadConfigOrExit } = await import('../config/config.ts');
    const { migrate, openStore } = await import('../store/db.ts');
    const config = loadConfigOrExit(opts);
    const store = openStore(config.databaseUrl);
    const ran = await migrate(store);
    await store.close();
    console.log(ran.length ? `applied: ${ran.join(', ')}` : 'already up to date');
  });

registerApps(program);
registerOAuthApps(program);
registerConnect(program);
registerAccounts(program);
registerAudit(program);

// `keys` holds the API key commands (create, list, revoke) and master key rotation.
registerApiKeys(program)
  .command('rotate')
  .description('re-seal every stored secret with the first key of LATCHKEY_MASTER_KEYS')
  .option('-d, --data-dir <dir>', 'data folder (LATCHKEY_DATA_DIR, default ./data)')
  .option('--batch-size <n>', 'rows per batch (default 100)', wholeNumber(1))
  .option(
    '--pause-ms <ms>',
    'pause between batches, to spare a busy database (default 0)',
    wholeNumber(0),
  )
  .action(async (opts: RotateFlags) => {
    const { keysRotate } = await import('./keys-rotate.ts');
    await keysRotate(opts);
  });

await program.parseAsync(process.argv);
