/** A confidential client registered with the test authorization server. */
export interface OidcFixtureClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface OidcFixtureOptions {
  /** Lifetime of issued access tokens; default 3600. Expiry is checked with no tolerance. */
  accessTokenTtlSeconds?: number;
  /** Issue a new refresh token on every refresh and retire the old one; default true. */
  rotateRefreshToken?: boolean;
  /** Refuse authorization requests without a PKCE code_challenge; default true. */
  pkceRequired?: boolean;
  /** Registered clients; default a single `DEFAULT_CLIENT`. */
  clients?: OidcFixtureClient[];
  /** The fixed end-user's `sub`; default 'user-1'. */
  accountId?: string;
  /** The fixed end-user's `email` claim; default 'octocat@example.com'. */
  email?: string;
  /** The fixed end-user's `name` claim; default 'Mona Octocat'. */
  name?: string;
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
}

/** Token endpoint outcomes, counted from the provider's grant events. */
export interface OidcFixtureStats {
  authorizationCodeGrants: number;
  refreshGrants: number;
  /** Refresh requests that failed for any reason (bad client, unknown or reused token, …). */
  refreshFailures: number;
  /** Token requests of any grant type answered with `invalid_grant`. */
  invalidGrants: number;
}

export interface OidcFixture {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  revocationUrl: string;
  stats: OidcFixtureStats;
  /** Calls the real userinfo endpoint with `Authorization: Bearer <accessToken>`. */
  userinfo(accessToken: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}
