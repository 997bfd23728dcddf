import { isIP } from 'node:net';
import { resolve, join } from 'node:path';
import { isPostgresUrl } from '../store/db.ts';

/** Everything the service reads from its environment and flags, validated once. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** `LATCHKEY_MASTER_KEYS` (id:base64,…) and `LATCHKEY_MASTER_KEY` (base64); null: the file. */
  readonly masterKeys: string | null;
  readonly masterKey: string | null;
  readonly publicUrl: string;
  /** True when LATCHKEY_PUBLIC_URL was not given and the public URL was made from the host. */
  readonly publicUrlGuessed: boolean;
  readonly bootstrapApiKey: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Plain-http provider endpoints on hosts other than loopback (loopback is always allowed). */
  readonly allowInsecureProviders: boolean;
  readonly refresh: RefreshConfig;
  readonly bodyLimitBytes: number;
  readonly rateLimitPerMinute: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (addresses, CIDR ranges, or
   * `loopback` / `linklocal` / `uniquelocal`); empty: the connection's peer is the client.
   */
  readonly trustedProxies: readonly string[];
  /** Bearer token `GET /metrics` asks for; null: it answers loopback clients only. */
  readonly metricsToken: string | null;
  readonly auth: AuthConfig;
}

/** People, sessions and the limits that protect them. */
export interface AuthConfig {
  /** Requests a minute per IP on routes without a valid key or session. */
  readonly anonymousRateLimitPerMinute: number;
  /** Login and sign-up attempts a minute per IP. */
  readonly loginRateLimitPerMinute: number;
  /** Failed logins of one email from one IP within the lockout window before the pair locks. */
  readonly loginMaxFailures: number;
  /** Failed logins for one email from all IPs within the window before the email is locked. */
  readonly loginMaxFailuresPerEmail: number;
  readonly loginLockoutMs: number;
  readonly sessionTtlMs: number;
  readonly invitationTtlMs: number;
}

export interface RefreshConfig {
  /** Refresh this long before expiry… */
  readonly marginSeconds: number;
  /** …but never earlier than this share of the token's lifetime before expiry. */
  readonly maxLifetimeShare: number;
  /** Default `min_ttl` of a credentials read. */
  readonly defaultMinTtlSeconds: number;
  /** How often the background refresher looks for due accounts; 0 turns it off. */
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  /** How long a refresh lease lasts before another process may take it over. */
  readonly leaseMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  dataDir?: string;
}

type Env = Record<string, string | undefined>;

/** Builds the config from flags (which win) and `LATCHKEY_*` variables; throws ConfigError. */
export function loadConfig(env: Env = process.env, flags: ConfigFlags = {}): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const host = flags.host ?? env.LATCHKEY_HOST ?? '127.0.0.1';
  const port = read.int('LATCHKEY_PORT', 8080, { min: 0, max: 65535, flag: flags.port });
  const dataDir = resolve(flags.dataDir ?? env.LATCHKEY_DATA_DIR ?? 'data');
  const databaseUrl = env.LATCHKEY_DATABASE_URL || join(dataDir, 'latchkey.db');
  // Listening on every interface says nothing about the address users reach: links made with
  // 0.0.0.0 would not open. Loopback is a working guess, and start-up warns about it.
  const linkHost = wildcardHosts.has(host) ? '127.0.0.1' : host;
  const givenPublicUrl = read.url('LATCHKEY_PUBLIC_URL');
  const publicUrl = givenPublicUrl ?? `http://${urlHost(linkHost)}:${port}`;

  const bootstrapApiKey = env.LATCHKEY_BOOTSTRAP_API_KEY || null;
  if (bootstrapApiKey && !/^lk_[A-Za-z0-9_-]{20,200}$/.test(bootstrapApiKey)) {
    problems.push('LATCHKEY_BOOTSTRAP_API_KEY must look like lk_ followed by 20+ URL-safe chars.');
  }

  if (env.LATCHKEY_DATABASE_URL && /^[a-z]+:\/\//.test(databaseUrl)) {
    if (!isPostgresUrl(databaseUrl)) {
      problems.push('LATCHKEY_DATABASE_URL must be a SQLite file path or a postgres:// URL.');
    }
  }

  const logLevel = read.oneOf('LATCHKEY_LOG_LEVEL', 'info', [
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const);

  const refresh: RefreshConfig = {
    marginSeconds: read.int('LATCHKEY_REFRESH_MARGIN_SECONDS', 300, { min: 0 }),
    maxLifetimeShare: read.number('LATCHKEY_REFRESH_MAX_LIFETIME_SHARE', 0.5, { min: 0, max: 1 }),
    defaultMinTtlSeconds: read.int('LATCHKEY_DEFAULT_MIN_TTL_SECONDS', 60, { min: 0 }),
    intervalMs: read.int('LATCHKEY_REFRESH_INTERVAL_MS', 5000, { min: 0 }),
    batchSize: read.int('LATCHKEY_REFRESH_BATCH_SIZE', 100, { min: 1, max: 10000 }),
    concurrency: read.int('LATCHKEY_REFRESH_CONCURRENCY', 16, { min: 1, max: 1000 }),
    perHostConcurrency: read.int('LATCHKEY_REFRESH_PER_HOST_CONCURRENCY', 4, { min: 1 }),
    leaseMs: read.int('LATCHKEY_REFRESH_LEASE_MS', 30000, { min: 1000 }),
  };

  const loginMaxFailures = read.int('LATCHKEY_LOGIN_MAX_FAILURES', 5, { min: 1 });

  const config: Config = {
    host,
    port,
    dataDir,
    databaseUrl,
    masterKeys: env.LATCHKEY_MASTER_KEYS || null,
    masterKey: env.LATCHKEY_MASTER_KEY || null,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    publicUrlGuessed: givenPublicUrl === null,
    bootstrapApiKey,
    logLevel,
    allowInsecureProviders: read.bool('LATCHKEY_ALLOW_INSECURE_PROVIDERS', false),
    refresh,
    bodyLimitBytes: read.int('LATCHKEY_BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024 }),
    rateLimitPerMinute: read.int('LATCHKEY_RATE_LIMIT_PER_MINUTE', 6000, { min: 1 }),
    trustedProxies: read.proxies('LATCHKEY_TRUSTED_PROXIES'),
    metricsToken: read.secret('LATCHKEY_METRICS_TOKEN', 16),
    auth: {
      anonymousRateLimitPerMinute: read.int('LATCHKEY_ANONYMOUS_RATE_LIMIT_PER_MINUTE', 600, {
        min: 1,
      }),
      loginRateLimitPerMinute: read.int('LATCHKEY_LOGIN_RATE_LIMIT_PER_MINUTE', 20, { min: 1 }),
      loginMaxFailures,
      loginMaxFailuresPerEmail: read.int(
        'LATCHKEY_LOGIN_MAX_FAILURES_PER_EMAIL',
        loginMaxFailures * 10,
        { min: loginMaxFailures },
      ),
      loginLockoutMs: read.int('LATCHKEY_LOGIN_LOCKOUT_SECONDS', 900, { min: 1 }) * 1000,
      sessionTtlMs: read.int('LATCHKEY_SESSION_TTL_HOURS', 168, { min: 1 }) * 3_600_000,
      invitationTtlMs: read.int('LATCHKEY_INVITATION_TTL_HOURS', 72, { min: 1 }) * 3_600_000,
    },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The config as it may be logged: secrets replaced by a mask, URLs without passwords. */
export function maskedConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: maskUrl(config.databaseUrl),
    masterKeys: config.masterKeys ? '***' : null,
    masterKey: config.masterKey ? '***' : null,
    bootstrapApiKey: config.bootstrapApiKey ? 'lk_***' : null,
    metricsToken: config.metricsToken ? '***' : null,
  };
}

function maskUrl(url: string): string {
  if (!/^[a-z]+:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '***';
  }
}

const proxyKeywords = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyEntry(entry: string): boolean {
  if (proxyKeywords.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

const wildcardHosts = new Set(['0.0.0.0', '::', '[::]', '']);

const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  int(
    name: string,
    fallback: number,
    opts: { min?: number; max?: number; flag?: string | number } = {},
  ): number {
    const raw = opts.flag ?? this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    const label = opts.flag === undefined ? name : `${name} (or its flag)`;
    if (!Number.isInteger(value)) {
      this.problems.push(`${label} must be a whole number, not "${raw}".`);
      return fallback;
    }
    return this.bounded(label, value, opts.min, opts.max) ?? fallback;
  }

  number(name: string, fallback: number, opts: { min?: number; max?: number } = {}): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      this.problems.push(`${name} must be a number, not "${raw}".`);
      return fallback;
    }
    return this.bounded(name, value, opts.min, opts.max) ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, not "${raw}".`);
    return fallback;
  }

  url(name: string): string | null {
    const raw = this.env[name];
    if (!raw) return null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
    } catch {
      // reported below
    }
    this.problems.push(`${name} must be an http(s) URL, not "${raw}".`);
    return null;
  }

  /** A secret of at least `minLength` characters, or null when unset. */
  secret(name: string, minLength: number): string | null {
    const raw = this.env[name];
    if (!raw) return null;
    if (raw.length >= minLength && !/\s/.test(raw)) return raw;
    // Never echo the value: it is a secret, and start-up problems are printed.
    this.problems.push(`${name} must be at least ${minLength} characters, without spaces.`);
    return null;
  }

  /** A comma-separated list of proxy addresses or CIDR ranges (see Config.trustedProxies). */
  proxies(name: string): string[] {
    const raw = this.env[name];
    if (!raw) return [];
    const entries = raw.split(',').map((entry) => entry.trim());
    const bad = entries.filter((entry) => !isProxyEntry(entry));
    if (bad.length > 0) {
      this.problems.push(
        `${name} must list IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal), ` +
          `separated by commas; not ${bad.map((b) => `"${b}"`).join(', ')}.`,
      );
      return [];
    }
    return entries;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, not "${raw}".`);
    return fallback;
  }

  private bounded(name: string, value: number, min?: number, max?: number): number | null {
    if (min !== undefined && value < min) {
      this.problems.push(`${name} must be at least ${min}.`);
      return null;
    }
    if (max !== undefined && value > max) {
      this.problems.push(`${name} must be at most ${max}.`);
      return null;
    }
    return value;
  }
}

/** For commands: the config, or its problems on stderr and exit code 2. */
export function loadConfigOrExit(flags: ConfigFlags = {}): Config {
  try {
    return loadConfig(process.env, flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}
