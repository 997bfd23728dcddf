import { loadConfigOrExit, type ConfigFlags } from '../config/config.ts';
import { flushLogs } from '../lib/log.ts';
import { startServer } from '../server.ts';

/** `latchkey serve`: runs the service until SIGTERM or SIGINT, then shuts down cleanly. */
export async function serve(flags: ConfigFlags): Promise<void> {
  const config = loadConfigOrExit(flags);

  let server;
  try {
    server = await startServer({ config });
  } catch (err) {
    // A port in use, an unreachable database, a missing master key: a sentence, not a stack.
    flushLogs();
    console.error(`latchkey could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  if (server.bootstrapSecret) {
    // Printed once, on standard error: not in the structured log on standard output.
    process.stderr.write(
      `\nFirst start: created a workspace and its owner API key (shown once, keep it safe):\n\n` +
        `  LATCHKEY_API_KEY=${server.bootstrapSecret}\n\n`,
    );
  }
  server.log.info({ url: server.url, public_url: config.publicUrl }, 'latchkey is listening');
  // Start-up lines are written at once (scripts wait for them); later ones are buffered.
  flushLogs();
  process.on('exit', flushLogs);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => {
        server.log.info('stopped');
        flushLogs();
        process.exit(0);
      },
      (err) => {
        server.log.error({ err }, 'shutdown failed');
        flushLogs();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
