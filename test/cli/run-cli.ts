import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  url: string;
  apiKey: string;
}

function childEnv(server: CliEnv, extra: Record<string, string | undefined> = {}) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    LATCHKEY_URL: server.url,
    LATCHKEY_API_KEY: server.apiKey,
    ...extra,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env as NodeJS.ProcessEnv;
}

/** Starts `node bin/latchkey.js …` as a child process, the way a user would run it. */
export function startCli(
  server: CliEnv,
  args: string[],
  env?: Record<string, string | undefined>,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, ...args], { env: childEnv(server, env) });
}

/** Runs the CLI to its end and collects what it printed. */
export function runCli(
  server: CliEnv,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  const child = startCli(server, args, opts.env);
  child.stdin.end(opts.input ?? '');
  return finished(child);
}

export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the first stdout line that matches `pattern`. */
export function lineMatching(
  child: ChildProcessWithoutNullStreams,
  pattern: RegExp,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => pattern.test(l));
      if (line === undefined) return;
      child.stdout.off('data', onData);
      resolve(line);
    };
    child.stdout.on('data', onData);
    child.once('close', () => reject(new Error(`the CLI ended before printing ${pattern}`)));
  });
}
