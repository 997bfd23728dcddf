import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { maskedConfig, type Config } from './config/config.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createLogger } from './lib/log.ts';
import type { WireOptions } from './oauth/index.ts';
import { buildHttpApp } from './http/app.ts';
import { bootstrapInstance } from './services/bootstrap.ts';
import { checkSealedSample } from './services/rotation.ts';
import { Maintenance } from './services/maintenance.ts';
import { LoginFailureRepository } from './store/repos/login-failures.ts';
import { SessionRepository } from './store/repos/sessions.ts';
import { createServices, type Services } from './services/index.ts';
import { migrate, openStore, type Store } from './store/db.ts';
import { loadKeyring } from './vault/master-key-file.ts';

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly store: Store;
  readonly log: Logger;
  /** Set when this start created the first workspace and generated its owner key. */
  readonly bootstrapSecret: string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  clock?: Clock;
  logDestination?: DestinationStream;
  wire?: WireOptions;
  /** Start listening (default) or only build the app, for `inject` tests. */
  listen?: boolean;
}

/** Opens the store, migrates, loads the keys, wires the services and starts HTTP. */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const { log, requestLog } = createLogger(config.logLevel, opts.logDestination);
  log.info({ config: maskedConfig(config) }, 'starting latchkey');

  const keys = loadKeyring(config);
  if (keys.source === 'generated file' || keys.source === 'file') {
    log.warn(
      { path: keys.path },
      'master key read from the data folder; in production set LATCHKEY_MASTER_KEY(S) instead',
    );
  }

  if (config.publicUrlGuessed && config.host !== '127.0.0.1' && config.host !== 'localhost') {
    log.warn(
      { public_url: config.publicUrl },
      'LATCHKEY_PUBLIC_URL is not set: connect links and the OAuth redirect URI use this guess; ' +
        'set it to the address your users and providers reach',
    );
  }

  const store = openStore(config.databaseUrl);
  const ran = await migrate(store);
  if (ran.length > 0) log.info({ migrations: ran }, 'database migrated');

  // Refuse to start rather than answer errors when stored secrets need a key we lack.
  const check = await checkSealedSample(store.db, keys.keyring);
  const problems = [
    ...check.missing.map((id) => `master key "${id}" is not given`),
    ...check.wrong.map((id) => `master key "${id}" does not open what was sealed with it`),
  ];
  if (problems.length > 0) {
    await store.close();
    throw new Error(
      `Stored secrets cannot be opened: ${problems.join('; ')}. Give the keys they were sealed ` +
        `with in LATCHKEY_MASTER_KEYS (see README, "Master key rotation").`,
    );
  }

  const services = createServices({
    store,
    keyring: keys.keyring,
    config,
    clock,
    log,
    wire: opts.wire,
  });
  const boot = await bootstrapInstance(
    services.repos.identity,
    services.apiKeys,
    clock,
    config.bootstrapApiKey,
  );
  if (boot) log.info({ workspace_id: boot.workspaceId }, 'created the first workspace');

  const maintenance = new Maintenance({
    connect: services.repos.connect,
    sessions: new SessionRepository(store.db),
    loginFailures: new LoginFailureRepository(store.db),
    loginWindowMs: config.auth.loginLockoutMs,
    clock,
    log,
    intervalMs: 10 * 60_000,
  });
  const app = await buildHttpApp({ config, services, store, log, requestLog });
  let url = config.publicUrl;
  if (opts.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port });
    services.scheduler.start();
    maintenance.start();
  } else {
    await app.ready();
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      maintenance.stop();
      await services.scheduler.stop();
      await app.close();
      await services.audit.flush();
      await store.close();
    })());

  return { url, app, services, store, log, bootstrapSecret: boot?.newSecret ?? null, close };
}
