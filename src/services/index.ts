import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Clock } from '../lib/clock.ts';
import type { WireOptions } from '../oauth/index.ts';
import type { Store } from '../store/db.ts';
import { AccountRepository } from '../store/repos/accounts.ts';
import { AppRepository, OAuthAppRepository } from '../store/repos/apps.ts';
import { AuditRepository } from '../store/repos/audit.ts';
import { ConnectRepository } from '../store/repos/connect.ts';
import { IdentityRepository } from '../store/repos/identity.ts';
import { fingerprinter } from '../vault/fingerprint.ts';
import { createMetrics } from '../lib/metrics.ts';
import type { Keyring } from '../vault/keyring.ts';
import { AccountService } from './accounts.ts';
import { ApiKeyService } from './api-keys.ts';
import { AppService } from './apps.ts';
import { AuditLog } from './audit.ts';
import { ConnectService } from './connect.ts';
import { OAuthAppService } from './oauth-apps.ts';
import { createPeopleServices } from './people.ts';
import { ProviderResolver } from './providers.ts';
import { RefreshEngine } from './refresh/engine.ts';
import { RefreshScheduler } from './refresh/scheduler.ts';

export interface ServiceDeps {
  store: Store;
  keyring: Keyring;
  config: Config;
  clock: Clock;
  log: Logger;
  wire?: WireOptions;
}

export type Services = ReturnType<typeof createServices>;

/** Wires repositories, the vault and the rules together; one instance per process. */
export function createServices({ store, keyring, config, clock, log, wire }: ServiceDeps) {
  const repos = {
    accounts: new AccountRepository(store.db),
    apps: new AppRepository(store.db),
    oauthApps: new OAuthAppRepository(store.db),
    connect: new ConnectRepository(store.db),
    identity: new IdentityRepository(store.db),
    audit: new AuditRepository(store.db),
  };
  const policy = {
    marginMs: config.refresh.marginSeconds * 1000,
    maxLifetimeShare: config.refresh.maxLifetimeShare,
  };
  const fingerprint = fingerprinter(keyring);
  const metrics = createMetrics();
  const audit = new AuditLog(repos.audit, clock, log);
  const apiKeys = new ApiKeyService(repos.identity, clock, audit);
  const apps = new AppService(
    repos.apps,
    clock,
    { allowInsecureProviders: config.allowInsecureProviders },
    audit,
  );
  const providers = new ProviderResolver(apps, repos.oauthApps, keyring);
  const engine = new RefreshEngine({
    accounts: repos.accounts,
    providers,
    keyring,
    fingerprint,
    clock,
    log,
    audit,
    policy,
    leaseMs: config.refresh.leaseMs,
    wire,
    onOutcome: (kind) => metrics.refreshes.inc({ outcome: kind }),
  });
  const scheduler = new RefreshScheduler(repos.accounts, providers, engine, clock, log, {
    intervalMs: config.refresh.intervalMs,
    batchSize: config.refresh.batchSize,
    concurrency: config.refresh.concurrency,
    perHostConcurrency: config.refresh.perHostConcurrency,
  });

  return {
    metrics,
    repos,
    audit,
    apps,
    providers,
    engine,
    scheduler,
    apiKeys,
    ...createPeopleServices({
      onMemberChanged: (userId) => apiKeys.forgetUser(userId),
      store,
      identity: repos.identity,
      auditRepo: repos.audit,
      audit,
      config,
      clock,
      log,
    }),
    oauthApps: new OAuthAppService(
      repos.oauthApps,
      apps,
      keyring,
      clock,
      audit,
      providers,
      repos.accounts,
    ),
    accounts: new AccountService({
      accounts: repos.accounts,
      apps,
      providers,
      engine,
      keyring,
      clock,
      audit,
      log,
      defaultMinTtlMs: config.refresh.defaultMinTtlSeconds * 1000,
      onCredentialsRead: () => metrics.credentialReads.inc(),
    }),
    connect: new ConnectService({
      connect: repos.connect,
      identity: repos.identity,
      accounts: repos.accounts,
      oauthApps: repos.oauthApps,
      apps,
      providers,
      keyring,
      fingerprint,
      clock,
      audit,
      log,
      policy,
      publicUrl: config.publicUrl,
      wire,
    }),
  };
}
