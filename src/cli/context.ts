import type { Command } from 'commander';
import { Latchkey } from '../../packages/client/src/index.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { Output } from './output.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

interface GlobalOptions {
  url?: string;
  json?: boolean;
  color?: boolean;
}

export interface Context {
  client: Latchkey;
  out: Output;
}

/** Adds the options every client command shares to `program`. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--url <url>', `Latchkey server (LATCHKEY_URL, default ${DEFAULT_URL})`)
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR is also respected)');
}

/**
 * Runs a client command: builds the SDK client from --url / LATCHKEY_URL and LATCHKEY_API_KEY,
 * and turns any error into a message on stderr and a documented exit code.
 */
export function action<A extends unknown[]>(
  fn: (ctx: Context, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const opts = command.optsWithGlobals<GlobalOptions>();
    const out = new Output({ json: opts.json === true, color: opts.color !== false });
    try {
      const client = clientFrom(opts);
      await fn({ client, out }, ...args);
    } catch (error) {
      process.exitCode = out.fail(error);
    }
  };
}

function clientFrom(opts: GlobalOptions, env = process.env): Latchkey {
  const apiKey = env.LATCHKEY_API_KEY;
  if (!apiKey) {
    throw new CliError('Set LATCHKEY_API_KEY to an API key of your workspace (lk_…).', EXIT.usage);
  }
  const baseUrl = opts.url ?? env.LATCHKEY_URL ?? DEFAULT_URL;
  let protocol = '';
  try {
    protocol = new URL(baseUrl).protocol;
  } catch {
    throw new CliError(`--url / LATCHKEY_URL is not a URL: ${baseUrl}`, EXIT.usage);
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new CliError(`--url / LATCHKEY_URL must be an http:// or https:// URL`, EXIT.usage);
  }
  // A person is waiting: retry "later" answers and refused connections for 3 s, not 10.
  return new Latchkey({ apiKey, baseUrl, retry: { maxElapsedMs: 3000 } });
}

/** commander collector for repeatable options: `--scope a --scope b`. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
