/**
 * Every recorded provider case in shared/cases/token-endpoint-cases.json, served byte for byte
 * by a fake token endpoint and read by the real exchangeCode / refreshGrant.
 *
 * These tests cover the wire level only: what one token request returns. Account-level
 * expectations in the same cases (keeping the old refresh token, compare-and-swap on rotation,
 * single-flight per account, backoff, needs_reauth bookkeeping) belong to the refresh and
 * connect services and are tested there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  exchangeCode,
  refreshGrant,
  type ClientCredentials,
  type ProviderConfig,
  type TokenOutcome,
  type TokenSet,
} from '../../src/oauth/index.ts';
import {
  loadCases,
  startFakeTokenEndpoint,
  type FakeHandler,
  type FakeTokenEndpoint,
  type TokenEndpointCase,
} from '../support/fake-token-endpoint.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts = { now: () => NOW };
const client: ClientCredentials = { clientId: 'client-1', clientSecret: 'secret-1' };

function provider(tokenUrl: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl,
    scopeSeparator: ' ',
    tokenAuthMethod: 'client_secret_post',
    pkce: true,
    defaultScopes: [],
    authorizeParams: {},
    tokenParams: {},
    allowInsecureRequests: true,
    ...overrides,
  };
}

const exchange = (fake: FakeTokenEndpoint, p: Partial<ProviderConfig> = {}, c = client) =>
  exchangeCode(provider(fake.url, p), c, { code: 'code-1', redirectUri: REDIRECT }, opts);

const refresh = (fake: FakeTokenEndpoint, refreshToken: string) =>
  refreshGrant(provider(fake.url), client, { refreshToken }, opts);

const REDIRECT = 'https://latchkey.example/v1/connect/callback';

function tokensOf(outcome: TokenOutcome): TokenSet {
  assert.equal(outcome.kind, 'tokens', `expected tokens, got ${JSON.stringify(outcome)}`);
  return (outcome as Extract<TokenOutcome, { kind: 'tokens' }>).tokens;
}

function assertKind<K extends TokenOutcome['kind']>(
  outcome: TokenOutcome,
  kind: K,
  code: string,
): Extract<TokenOutcome, { kind: K }> {
  assert.equal(outcome.kind, kind, `expected ${kind}, got ${JSON.stringify(outcome)}`);
  const failed = outcome as Extract<TokenOutcome, { kind: K }>;
  assert.equal('error' in failed && failed.error.code, code);
  return failed;
}

const seconds = (n: number) => NOW + n * 1000;

/** Serves `handler` for the duration of `run`, then checks every scripted answer was used. */
async function withFake(
  c: TokenEndpointCase,
  handler: FakeHandler,
  run: (fake: FakeTokenEndpoint) => Promise<void>,
): Promise<void> {
  const fake = await startFakeTokenEndpoint(handler, { now: () => NOW });
  try {
    await run(fake);
    assert.equal(fake.unscripted.length, 0, 'more requests than scripted answers');
    assert.ok(
      fake.requests.length >= 1 + c.additional_responses.length,
      'every recorded answer must be served',
    );
  } finally {
    await fake.close();
  }
}

const allAnswers = (c: TokenEndpointCase) => [c.response, ...c.additional_responses];

const wireTests: Record<string, (c: TokenEndpointCase) => Promise<void>> = {
  'C01-github-form-urlencoded': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await exchange(fake, { scopeSeparator: ',' }));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, null);
      assert.equal(tokens.expiresAt, null);
      assert.deepEqual(tokens.scopes, c.expected.scopes);
      assert.equal(tokens.tokenType, 'bearer');

      const used = assertKind(await exchange(fake), 'rejected', 'bad_verification_code');
      assert.equal(used.error.status, 200);
      assert.equal(used.error.description, 'The code passed is incorrect or expired.');
      assert.match(String(used.error.details?.error_uri), /^https:\/\/docs\.github\.com\//);
    }),

  'C02-slack-ok-false-200': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      assertKind(await exchange(fake), 'rejected', 'invalid_code');
      assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_refresh_token');
      assert.equal(fake.requests[1]?.refreshToken, 'rt-1');
    }),

  'C04-zoho-ms-expiry-and-200-errors': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await refresh(fake, 'rt-1'));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, null, 'none sent: the caller keeps rt-1');
      assert.equal(tokens.expiresAt, seconds(3600));
      assert.equal(tokens.metadata.api_domain, 'https://www.zohoapis.com');

      assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_code');

      const throttled = assertKind(await refresh(fake, 'rt-1'), 'transient', 'Access Denied');
      assert.match(throttled.error.description ?? '', /too many requests/);
    }),

  'C05-google-no-refresh-token-on-reconsent': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await exchange(fake));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, null);
      assert.equal(tokens.expiresAt, seconds(3599));
      assert.deepEqual(tokens.scopes, [
        'openid',
        'https://www.googleapis.com/auth/calendar.readonly',
      ]);
      assert.equal(tokens.idToken, 'fake.idtoken.sig');
    }),

  'C06-refresh-omits-refresh-token-then-invalid-grant': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await refresh(fake, 'rt-1'));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, null, 'none sent: the caller keeps rt-1');
      assert.equal(tokens.expiresAt, seconds(3599));

      const dead = assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_grant');
      assert.equal(dead.error.status, 400);
      assert.equal(dead.error.description, 'Token has been expired or revoked.');
    }),

  // Two refreshes with the same rotating token at once: at the wire one wins and the other is
  // told invalid_grant. Sending only one is the refresh service's single-flight job.
  'C07-xero-rotation-concurrent-refresh': (c) => {
    let served = false;
    const handler: FakeHandler = (req) => {
      if (req.refreshToken === 'rt-1' && !served) {
        served = true;
        return { ...c.response, delayMs: 300 };
      }
      return c.additional_responses[0]!;
    };

    return withFake(c, handler, async (fake) => {
      const outcomes = await Promise.all([refresh(fake, 'rt-1'), refresh(fake, 'rt-1')]);
      const won = outcomes.find((o) => o.kind === 'tokens');
      const lost = outcomes.find((o) => o.kind !== 'tokens');

      const tokens = tokensOf(won!);
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, c.expected.refresh_token);
      assert.equal(tokens.expiresAt, seconds(1800));
      assertKind(lost!, 'reauth', 'invalid_grant');
    });
  },

  'C08-intuit-quickbooks-rt-sometimes-changes': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const first = tokensOf(await refresh(fake, 'rt-1'));
      assert.equal(first.accessToken, 'at-2');
      assert.equal(first.refreshToken, 'rt-1', 'the same token back is normal, not an error');
      assert.equal(first.expiresAt, seconds(3600));
      assert.equal(first.refreshTokenExpiresAt, seconds(8726400));

      const second = tokensOf(await refresh(fake, 'rt-1'));
      assert.equal(second.accessToken, 'at-3');
      assert.equal(second.refreshToken, 'rt-2');

      assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_grant');
    }),

  'C09-atlassian-rotating-rt-403-invalid-grant': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await refresh(fake, 'rt-1'));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, c.expected.refresh_token);
      assert.equal(tokens.expiresAt, seconds(3600));
      assert.deepEqual(tokens.scopes, ['read:jira-work', 'offline_access']);

      const dead = assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_grant');
      assert.equal(dead.error.status, 403);
    }),

  'C11-microsoft-v1-string-numbers': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const tokens = tokensOf(await exchange(fake));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, c.expected.refresh_token);
      assert.equal(tokens.expiresAt, seconds(3599));
      assert.deepEqual(tokens.scopes, ['User.Read']);
      assert.equal(tokens.metadata.resource, '00000003-0000-0000-c000-000000000000');
    }),

  'C12-microsoft-aadsts-reauth-errors': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const inactive = assertKind(await refresh(fake, 'rt-1'), 'reauth', 'invalid_grant');
      assert.deepEqual(inactive.error.details?.error_codes, [700082]);
      assert.match(inactive.error.description ?? '', /^AADSTS700082:/);

      const policy = assertKind(await refresh(fake, 'rt-1'), 'reauth', 'interaction_required');
      assert.deepEqual(policy.error.details?.error_codes, [70043]);
      assert.equal(policy.error.details?.suberror, 'token_expired');
    }),

  'C13-transient-5xx-429-waf': (c) =>
    withFake(c, allAnswers(c), async (fake) => {
      const down = assertKind(await refresh(fake, 'rt-1'), 'transient', 'invalid_response');
      assert.equal(down.error.status, 503);

      const limited = assertKind(await refresh(fake, 'rt-1'), 'transient', 'rate_limited');
      assert.equal(limited.retryAfterMs, 120_000);

      const waf = assertKind(await refresh(fake, 'rt-1'), 'transient', 'invalid_response');
      assert.equal(waf.error.status, 403);

      const html200 = assertKind(await refresh(fake, 'rt-1'), 'transient', 'invalid_response');
      assert.equal(html200.error.status, 200);
    }),

  'C16-notion-client-secret-basic': (c) => {
    // A secret with characters that RFC 6749 §2.3.1's form-encoding changes.
    const notion: ClientCredentials = { clientId: 'notion client', clientSecret: 'se:cr%et+1' };
    const handler: FakeHandler = (req) =>
      req.basic?.clientId === notion.clientId && req.basic.clientSecret === notion.clientSecret
        ? c.response
        : c.additional_responses[0]!;

    return withFake(c, handler, async (fake) => {
      const basic = { tokenAuthMethod: 'client_secret_basic' } as const;
      const tokens = tokensOf(await exchange(fake, basic, notion));
      assert.equal(tokens.accessToken, c.expected.access_token);
      assert.equal(tokens.refreshToken, null);
      assert.equal(tokens.expiresAt, null);
      assert.equal(tokens.metadata.workspace_id, 'ws-fake-1');
      assert.equal(tokens.metadata.bot_id, 'bot-fake-1');
      assert.deepEqual(tokens.metadata.owner, {
        type: 'user',
        user: { object: 'user', id: 'user-fake-1' },
      });
      assert.equal(fake.requests[0]?.form.get('client_secret'), null);

      const post = { tokenAuthMethod: 'client_secret_post' } as const;
      const wrong = assertKind(
        await exchange(fake, post, notion),
        'misconfigured',
        'invalid_client',
      );
      assert.equal(wrong.error.status, 401);
    });
  },
};

describe('recorded token-endpoint cases', () => {
  const cases = loadCases();

  for (const c of cases) {
    it(`${c.id}: ${c.title}`, async () => {
      const test = wireTests[c.id];
      assert.ok(test, `no wire-level test for case ${c.id}: add one to wireTests`);
      await test(c);
    });
  }

  it('has no test left for a case that is no longer recorded', () => {
    const recorded = new Set(cases.map((c) => c.id));
    assert.deepEqual(
      Object.keys(wireTests).filter((id) => !recorded.has(id)),
      [],
    );
  });
});
