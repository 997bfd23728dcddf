/**
 * The OAuth wire layer: authorization requests, token requests and responses, revocation,
 * identity and discovery. It speaks to providers and returns outcomes as values; it neither
 * logs nor stores anything, and decides nothing about accounts.
 */
export type {
  ClientCredentials,
  GrantType,
  ProviderConfig,
  ProviderError,
  ProviderQuirk,
  TokenAuthMethod,
  TokenOutcome,
  TokenSet,
  WireOptions,
} from './types.ts';
export type { AuthorizationRequest } from './authorization-url.ts';
export type { CodeExchange } from './exchange-code.ts';
export type { RefreshRequest } from './refresh-grant.ts';
export type { Identity } from './identity.ts';
export type { DiscoveryOptions } from './discovery.ts';
export type { TokenAnswer, ReadContext } from './token-response.ts';

export { buildAuthorizationUrl } from './authorization-url.ts';
export { exchangeCode } from './exchange-code.ts';
export { refreshGrant } from './refresh-grant.ts';
export { revokeToken } from './revoke.ts';
export { fetchIdentity } from './identity.ts';
export { discover } from './discovery.ts';
export { createPkce, randomState } from './pkce.ts';
export { readTokenAnswer, parseScopes } from './token-response.ts';
export { DEFAULT_TIMEOUT_MS } from './http.ts';
