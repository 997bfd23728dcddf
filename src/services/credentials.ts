import type { TokenSet } from '../oauth/index.ts';
import type { Keyring } from '../vault/keyring.ts';
import { ApiError } from '../lib/errors.ts';
import { open, seal, VaultError, type Sealed } from '../vault/seal.ts';

/** What an account's sealed `credentials` column holds once opened. */
export interface StoredCredentials {
  accessToken?: string;
  refreshToken?: string | null;
  tokenType?: string | null;
  idToken?: string | null;
  /** Keys apps: the fields the user entered, by the app's field names. */
  fields?: Record<string, string>;
}

const context = (accountId: string) => ({ rowId: accountId, field: 'credentials' });

export function sealCredentials(keyring: Keyring, accountId: string, c: StoredCredentials): Sealed {
  return seal(keyring, JSON.stringify(c), context(accountId));
}

export function openCredentials(
  keyring: Keyring,
  accountId: string,
  sealed: Uint8Array,
): StoredCredentials {
  try {
    return JSON.parse(open(keyring, sealed, context(accountId))) as StoredCredentials;
  } catch (err) {
    // An operator's mistake (a master key left out or mistyped), not the caller's: a 503 that
    // says so. A value altered in the database ends here too; the log keeps the reason.
    if (err instanceof VaultError) throw new ApiError('master_key_error', err.message);
    throw err;
  }
}

/**
 * The credentials after a token response: the new access token, and the new refresh token
 * only when the provider sent a non-empty one (a missing one never erases the stored one).
 */
export function mergeTokens(previous: StoredCredentials, tokens: TokenSet): StoredCredentials {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken || previous.refreshToken || null,
    tokenType: tokens.tokenType ?? previous.tokenType ?? null,
    idToken: tokens.idToken ?? previous.idToken ?? null,
  };
}
