import * as oauth from 'oauth4webapi';
import type { ProviderConfig, TokenAuthMethod } from './types.ts';

export interface DiscoveryOptions {
  allowInsecureRequests?: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * An app's facts from its issuer's metadata: OpenID Connect Discovery 1.0 first, then
 * RFC 8414 (`/.well-known/oauth-authorization-server`) for plain OAuth servers. oauth4webapi
 * checks that the document's `issuer` is the one asked for (RFC 8414 §3.3), which stops a
 * document from one issuer being served for another. Throws: discovery runs when an operator
 * registers an app, and a clear error is what they need then.
 */
export async function discover(
  issuer: string,
  opts: DiscoveryOptions = {},
): Promise<Partial<ProviderConfig>> {
  const issuerUrl = parseIssuer(issuer);
  const failures: string[] = [];

  for (const algorithm of ['oidc', 'oauth2'] as const) {
    try {
      const metadata = await fetchMetadata(issuerUrl, algorithm, opts);
      return toProviderConfig(metadata, opts.allowInsecureRequests === true);
    } catch (cause) {
      failures.push(`${algorithm}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  throw new Error(`discovery failed for issuer ${issuer} (${failures.join('; ')})`);
}

function parseIssuer(issuer: string): URL {
  try {
    return new URL(issuer);
  } catch {
    throw new Error(`discovery failed: issuer ${JSON.stringify(issuer)} is not a URL`);
  }
}

async function fetchMetadata(
  issuerUrl: URL,
  algorithm: 'oidc' | 'oauth2',
  opts: DiscoveryOptions,
): Promise<oauth.AuthorizationServer> {
  const doFetch = opts.fetch ?? fetch;
  const response = await oauth.discoveryRequest(issuerUrl, {
    algorithm,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    [oauth.allowInsecureRequests]: opts.allowInsecureRequests === true,
    [oauth.customFetch]: (url, init) => doFetch(url, init),
  });

  return oauth.processDiscoveryResponse(issuerUrl, response);
}

function toProviderConfig(
  as: oauth.AuthorizationServer,
  allowInsecureRequests: boolean,
): Partial<ProviderConfig> {
  if (!as.authorization_endpoint || !as.token_endpoint) {
    throw new Error('metadata lacks authorization_endpoint or token_endpoint');
  }

  return {
    issuer: as.issuer,
    authorizationUrl: as.authorization_endpoint,
    tokenUrl: as.token_endpoint,
    userinfoUrl: as.userinfo_endpoint ?? null,
    revocationUrl: as.revocation_endpoint ?? null,
    scopeSeparator: ' ',
    tokenAuthMethod: pickAuthMethod(as.token_endpoint_auth_methods_supported),
    pkce: as.code_challenge_methods_supported?.includes('S256') ?? false,
    ...(allowInsecureRequests ? { allowInsecureRequests } : {}),
  };
}

/**
 * client_secret_basic when offered, as RFC 6749 §2.3.1 makes it the one every server must
 * support; an absent list means exactly that default (RFC 8414 §2).
 */
function pickAuthMethod(supported: string[] | undefined): TokenAuthMethod {
  const methods = supported ?? ['client_secret_basic'];
  const preferred: TokenAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
  const found = preferred.find((method) => methods.includes(method));

  if (found === undefined) {
    // TODO(first app that needs it): private_key_jwt (RFC 7523), because some enterprise
    // issuers offer nothing else.
    throw new Error(`token endpoint supports none of ${preferred.join(', ')}`);
  }

  return found;
}
