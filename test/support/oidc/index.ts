export { completeAuthorization } from './authorize.ts';
export { DEFAULT_CLIENT, startOidcProvider } from './provider.ts';
export type {
  OidcFixture,
  OidcFixtureClient,
  OidcFixtureOptions,
  OidcFixtureStats,
} from './types.ts';
