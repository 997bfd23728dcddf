export { Latchkey } from './client.ts';
export type {
  ForceRefreshOn,
  GetCredentialsOptions,
  LatchkeyOptions,
  WithCredentialsOptions,
} from './client.ts';
export type { PersistentCache } from './credential-cache.ts';
export { encryptedCache, memoryStorage } from './encrypted-cache.ts';
export type { EncryptedCacheOptions, KeyValueStorage } from './encrypted-cache.ts';
export {
  AccountDeadError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ForbiddenError,
  LatchkeyError,
  NotFoundError,
  parseRetryAfter,
  RateLimitedError,
  RefreshUnavailableError,
  ServiceUnavailableError,
  ValidationError,
} from './errors.ts';
export type {
  AccountListQuery,
  Accounts,
  Admin,
  ConnectTokenStatus,
  Json,
  PageQuery,
} from './resources.ts';
export type { RetryOptions } from './transport.ts';
export type { Account, Credentials, Page, PageInfo, Query } from './types.ts';
