/**
 * Calls an upstream API on behalf of a connected account, the way the SDK is meant to be used:
 * credentials cached until shortly before they expire, fetched anew (once) when the upstream
 * API says the token is no good, and typed errors for the cases a person must act on.
 *
 *   LATCHKEY_URL=http://127.0.0.1:8080 LATCHKEY_API_KEY=lk_… \
 *   node --import tsx examples/call-upstream.ts apn_… [https://api.github.com/user]
 *
 * Set LATCHKEY_CACHE_KEY (32 random bytes, base64: `openssl rand -base64 32`) to keep the
 * credentials, encrypted, in ./.latchkey-cache between runs.
 */
import { fileStorage } from '../packages/client/src/file-storage.ts';
import {
  AccountDeadError,
  encryptedCache,
  Latchkey,
  RefreshUnavailableError,
} from '../packages/client/src/index.ts'; // in your project: '@latchkey/client'

const [accountId, upstream = 'https://api.github.com/user'] = process.argv.slice(2);
if (!accountId || !process.env.LATCHKEY_API_KEY) {
  console.error('usage: LATCHKEY_API_KEY=lk_… call-upstream.ts <account id> [upstream url]');
  process.exit(2);
}

const cacheKey = process.env.LATCHKEY_CACHE_KEY;
const latchkey = new Latchkey({
  apiKey: process.env.LATCHKEY_API_KEY,
  baseUrl: process.env.LATCHKEY_URL ?? 'http://127.0.0.1:8080',
  cache: cacheKey
    ? encryptedCache({ key: cacheKey, storage: fileStorage('.latchkey-cache') })
    : undefined,
});

try {
  // Five calls, one credentials request: the token is served from the cache until it is
  // about to expire. A 401 or 403 from the upstream drops it and retries once with a new one.
  for (let i = 0; i < 5; i += 1) {
    const response = await latchkey.withCredentials(accountId, (credentials) =>
      fetch(upstream, {
        headers: {
          authorization: `Bearer ${credentials.accessToken}`,
          accept: 'application/json',
          'user-agent': 'latchkey-example',
        },
      }),
    );
    console.log(`${upstream} → HTTP ${response.status}`);
    if (i === 0 && response.ok) console.log(await response.json());
  }
} catch (error) {
  if (error instanceof AccountDeadError) {
    // Retrying will not help: the user has to reconnect (a new connect link).
    console.error(`The account needs reconnecting: ${error.account?.error ?? error.message}`);
    process.exit(1);
  }
  if (error instanceof RefreshUnavailableError) {
    // The provider is having a bad moment; the account is fine. Try again later.
    console.error(`The provider is unavailable; try again in ${error.retryAfter ?? 60} s.`);
    process.exit(1);
  }
  throw error;
}
