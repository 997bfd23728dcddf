import { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { migrate, openStore } from '../store/db.ts';
import { serve } from './serve.ts';

const program = new Command()
  .name('latchkey')
  .description('Connect accounts, keep their OAuth tokens fresh, and serve them.')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP service')
  .option('-p, --port <port>', 'port to listen on (LATCHKEY_PORT, default 8080)')
  .option('-H, --host <host>', 'address to listen on (LATCHKEY_HOST, default 127.0.0.1)')
  .option('-d, --data-dir <dir>', 'data folder (LATCHKEY_DATA_DIR, default ./data)')
  .action((opts: { port?: string; host?: string; dataDir?: string }) => serve(opts));

program
  .command('migrate')
  .description('bring the database schema up to date, then exit')
  .option('-d, --data-dir <dir>', 'data folder (LATCHKEY_DATA_DIR, default ./data)')
  .action(async (opts: { dataDir?: string }) => {
    const config = loadConfig(process.env, opts);
    const store = openStore(config.databaseUrl);
    const ran = await migrate(store);
    await store.close();
    console.log(ran.length ? `applied: ${ran.join(', ')}` : 'already up to date');
  });

await program.parseAsync(process.argv);
