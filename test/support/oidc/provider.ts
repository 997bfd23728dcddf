import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Configuration, JWK, KoaContextWithOIDC, Provider } from 'oidc-provider';

import { finishInteraction, INTERACTION_PATH } from './interaction.ts';
import { loadProvider } from './load-provider.ts';
import { createMemoryAdapter } from './memory-adapter.ts';
import type {
  OidcFixture,
  OidcFixtureClient,
  OidcFixtureOptions,
  OidcFixtureStats,
} from './types.ts';

/** The client registered when a test names none. */
export const DEFAULT_CLIENT: Readonly<OidcFixtureClient> = Object.freeze({
  clientId: 'latchkey-test',
  clientSecret: 'latchkey-test-secret',
  redirectUris: ['http://127.0.0.1:8787/v1/connect/callback'],
  tokenEndpointAuthMethod: 'client_secret_basic',
});

// Made-up constants: these sign the provider's own cookies inside a throwaway test server.
const COOKIE_KEYS = ['latchkey-test-cookie-key-1', 'latchkey-test-cookie-key-2'];

interface Account {
  accountId: string;
  email: string;
  name: string;
}

/**
 * Starts a real oidc-provider authorization server on 127.0.0.1 for end-to-end tests:
 * authorization code with PKCE, opaque access tokens accepted by userinfo, refresh tokens
 * always issued, optional rotation, revocation. Login and consent finish on their own
 * (see `completeAuthorization`).
 */
export async function startOidcProvider(opts: OidcFixtureOptions = {}): Promise<OidcFixture> {
  const ProviderClass = await loadProvider();
  const account: Account = {
    accountId: opts.accountId ?? 'user-1',
    email: opts.email ?? 'octocat@example.com',
    name: opts.name ?? 'Mona Octocat',
  };

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new ProviderClass(issuer, configuration(opts, account));
  const stats = countGrants(provider);

  const callback = provider.callback();
  handle = (req, res) => {
    if (!req.url?.startsWith(INTERACTION_PATH)) {
      callback(req, res);
      return;
    }

    finishInteraction(provider, account.accountId, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`interaction failed: ${message}`);
    });
  };

  const userinfoUrl = `${issuer}/me`;

  return {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    userinfoUrl,
    revocationUrl: `${issuer}/token/revocation`,
    stats,

    async userinfo(accessToken) {
      const response = await fetch(userinfoUrl, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      });
      const text = await response.text();
      return { status: response.status, body: parseJson(text) };
    },

    async close() {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
      // fetch keeps connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

function configuration(opts: OidcFixtureOptions, account: Account): Configuration {
  const clients = opts.clients ?? [DEFAULT_CLIENT];
  const accessTokenTtl = opts.accessTokenTtlSeconds ?? 3600;
  const rotate = opts.rotateRefreshToken ?? true;
  const pkceRequired = opts.pkceRequired ?? true;

  return {
    adapter: createMemoryAdapter(),
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
    })),
    jwks: { keys: [signingKey()] },
    cookies: { keys: COOKIE_KEYS },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },

    async findAccount(_ctx, sub) {
      if (sub !== account.accountId) return undefined;
      return {
        accountId: account.accountId,
        async claims() {
          return { sub, email: account.email, email_verified: true, name: account.name };
        },
      };
    },

    interactions: {
      url: async (_ctx, interaction) => `${INTERACTION_PATH}${interaction.uid}`,
    },

    // Expiry must be exact: tests wait a few seconds for a token to lapse, not 15 more.
    clockTolerance: 0,
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 60 * 60,
      Interaction: 600,
      Session: 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },

    // A refresh token for every code exchange, whether or not offline_access survived the
    // request (it is dropped without prompt=consent), and never tied to the login session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: rotate,
    pkce: { required: () => pkceRequired },

    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      introspection: { enabled: false },
    },

    clientBasedCORS: () => true,
    renderError: async (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = Object.entries(out)
        .map(([key, value]) => `${key}: ${String(value)}`)
        .join('\n');
    },
  };
}

function countGrants(provider: Provider): OidcFixtureStats {
  const stats: OidcFixtureStats = {
    authorizationCodeGrants: 0,
    refreshGrants: 0,
    refreshFailures: 0,
    invalidGrants: 0,
  };

  provider.on('grant.success', (ctx) => {
    const grantType = grantTypeOf(ctx);
    if (grantType === 'authorization_code') stats.authorizationCodeGrants += 1;
    if (grantType === 'refresh_token') stats.refreshGrants += 1;
  });

  provider.on('grant.error', (ctx, error) => {
    if (grantTypeOf(ctx) === 'refresh_token') stats.refreshFailures += 1;
    if (error.error === 'invalid_grant') stats.invalidGrants += 1;
  });

  return stats;
}

function grantTypeOf(ctx: KoaContextWithOIDC): unknown {
  const fromParams = ctx.oidc?.params?.grant_type;
  if (fromParams !== undefined) return fromParams;

  // Errors raised before the parameters are parsed (client authentication) leave them empty.
  const body = (ctx.request as { body?: Record<string, unknown> }).body;
  return body?.grant_type;
}

/** A fresh RS256 signing key per fixture, for ID tokens. */
function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
