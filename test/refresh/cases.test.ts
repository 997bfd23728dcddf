/**
 * The account-level expectations of every recorded refresh case (shared/cases), run through a
 * real Latchkey: accounts are connected over HTTP against a fake provider serving the recorded
 * bytes, refreshed by the real RefreshEngine through reads, forced refreshes and the
 * background refresher, and checked by opening the sealed credentials in the database.
 * The wire-level half of each case is in test/cases/token-endpoint-cases.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.ts';
import { openCredentials } from '../../src/services/credentials.ts';
import type { Account } from '../../src/store/repos/accounts.ts';
import { loadKeyring } from '../../src/vault/master-key-file.ts';
import type { Keyring } from '../../src/vault/keyring.ts';
import {
  loadCases,
  startFakeTokenEndpoint,
  type FakeResponse,
  type FakeTokenEndpoint,
  type RecordedRequest,
  type TokenEndpointCase,
} from '../support/fake-token-endpoint.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { apiClient, connectViaFake, registerFakeApp, type Api } from './support.ts';

const cases = loadCases();
const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const masterKey = randomBytes(32).toString('base64');
let lk: TestLatchkey;
let keyring: Keyring;

before(async () => {
  lk = await startTestLatchkey({
    clock,
    wire: { now: () => clock.now() },
    env: { LATCHKEY_MASTER_KEY: masterKey, LATCHKEY_REFRESH_INTERVAL_MS: '0' },
  });
  keyring = loadKeyring({ masterKey, masterKeys: null, dataDir: lk.dataDir }).keyring;
});
after(() => lk.close());

/**
 * One case's provider: code exchanges get `exchange` (default at-1/rt-1 living `life`
 * seconds), refreshes are answered by `refresh`. Every app gets its own fake and slug.
 */
interface Setup {
  slug: string;
  fake: FakeTokenEndpoint;
  refreshes: () => RecordedRequest[];
  exchange: FakeResponse | ((req: RecordedRequest) => FakeResponse);
  refresh: (req: RecordedRequest, n: number) => FakeResponse;
}

const opened: FakeTokenEndpoint[] = [];
after(() => Promise.all(opened.map((f) => f.close())));

function tokenJson(access: string, refresh: string | null, life: number | null): FakeResponse {
  const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer' };
  if (refresh) body.refresh_token = refresh;
  if (life !== null) body.expires_in = life;
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}

async function setup(
  c: TokenEndpointCase,
  refresh: Setup['refresh'],
  oauth: Record<string, unknown> = {},
): Promise<Setup> {
  const s = {
    slug: `${c.id.slice(0, 3).toLowerCase()}-${randomBytes(3).toString('hex')}`,
    exchange: tokenJson('at-1', 'rt-1', 3600) as Setup['exchange'],
    refresh,
  } as Setup;
  let n = 0;
  s.fake = await startFakeTokenEndpoint(
    (req) => {
      if (req.grantType === 'authorization_code') {
        return typeof s.exchange === 'function' ? s.exchange(req) : s.exchange;
      }
      return s.refresh(req, n++);
    },
    { now: () => clock.now() },
  );
  opened.push(s.fake);
  s.refreshes = () => s.fake.requests.filter((r) => r.grantType === 'refresh_token');
  await registerFakeApp(lk, s.slug, s.fake.origin, oauth);
  return s;
}

/** Connects an account whose at-1/rt-1 expire in `expiresIn` seconds (negative: expired). */
async function connect(s: Setup, expiresIn: number, api: Api = lk): Promise<string> {
  const life = 3600;
  s.exchange = tokenJson('at-1', 'rt-1', life);
  const { accountId } = await connectViaFake(api, s.slug);
  assert.ok(accountId, 'connect failed');
  clock.advance((life - expiresIn) * 1000);
  return accountId;
}

async function stored(id: string): Promise<{ row: Account; at?: string; rt?: string | null }> {
  const row = await lk.server.services.repos.accounts.get(id);
  assert.ok(row, `account ${id} is gone`);
  const c = openCredentials(keyring, id, row.credentials);
  return { row, at: c.accessToken, rt: c.refreshToken ?? null };
}

const read = (id: string, minTtl?: number, api: Api = lk) =>
  api.api(
    'GET',
    `/v1/accounts/${id}?include_credentials=1${minTtl === undefined ? '' : `&min_ttl=${minTtl}`}`,
  );
const force = (id: string) => lk.api('POST', `/v1/accounts/${id}/refresh`);

function answer(c: TokenEndpointCase, index: number): FakeResponse {
  const r = index === 0 ? c.response : c.additional_responses[index - 1];
  assert.ok(r, `${c.id} has no answer ${index}`);
  return { status: r.status, headers: r.headers, body: r.body };
}

/** A dead account: 409 with the reason, last tokens kept, and nothing refreshes it again. */
async function assertDeadAndStopped(s: Setup, id: string, reason: RegExp, rt: string) {
  const before = s.refreshes().length;
  const res = await read(id);
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.code, 'account_dead');
  assert.equal(res.body.data.dead, true);
  assert.equal(res.body.data.healthy, false);
  assert.match(res.body.data.error, reason);
  assert.equal(res.body.data.credentials, undefined, 'a dead account serves no token');
  assert.equal(res.body.data.next_refresh_at, null);

  const { row, rt: storedRt } = await stored(id);
  assert.equal(row.dead, 1);
  assert.equal(storedRt, rt, 'the last refresh token is kept for the record');
  assert.equal(row.next_refresh_at, null);

  // No further refresh: not by reads, not by the background refresher, not even forced.
  clock.advance(24 * 3600_000);
  await read(id, 3600);
  assert.equal((await force(id)).status, 409);
  await lk.server.services.scheduler.tick();
  await lk.server.services.engine.ensureFresh(id, { kind: 'background' });
  assert.equal(s.refreshes().length, before, 'a dead account is never refreshed again');
}

const handlers: Record<string, (c: TokenEndpointCase) => Promise<void>> = {
  async 'C02-slack-ok-false-200'(c) {
    const s = await setup(c, () => answer(c, 1));
    // Exchange: ok:false is a failed connect, and no account is created.
    s.exchange = answer(c, 0);
    const failed = await connectViaFake(lk, s.slug);
    assert.equal(failed.accountId, null);
    const list = await lk.api('GET', `/v1/accounts?app=${s.slug}`);
    assert.equal(list.body.data.length, 0);

    // Refresh: invalid_refresh_token is Slack's invalid_grant.
    const id = await connect(s, -60);
    const res = await read(id);
    assert.equal(res.status, 409);
    assert.equal(s.refreshes()[0]?.refreshToken, 'rt-1');
    await assertDeadAndStopped(s, id, /invalid_refresh_token/, 'rt-1');
  },

  async 'C04-zoho-ms-expiry-and-200-errors'(c) {
    const order = [0, 2, 1]; // success, then the throttle, then the revoked token
    const s = await setup(c, (_req, n) => answer(c, order[n]!));
    const id = await connect(s, 600);

    const received = clock.now();
    assert.equal((await force(id)).status, 200);
    let now = await stored(id);
    assert.equal(now.at, 'at-2');
    assert.equal(now.rt, 'rt-1', 'no refresh_token in the answer: rt-1 kept');
    assert.equal(now.row.expires_at, received + 3600_000, 'expires_in_sec wins over ms');
    assert.equal(JSON.parse(now.row.metadata).api_domain, 'https://www.zohoapis.com');

    // The "Access Denied" throttle is passing: healthy, tokens kept, backed off. The forced
    // refresh itself reports that it failed, with the account (still healthy) under data.
    const throttled = await force(id);
    assert.equal(throttled.status, 503, 'the forced refresh failed for a passing reason');
    assert.equal(throttled.body.code, 'refresh_unavailable');
    assert.equal(throttled.body.data.healthy, true);
    assert.equal(throttled.body.data.dead, false);
    const read = await lk.api('GET', `/v1/accounts/${id}?include_credentials=1`);
    assert.equal(read.status, 200, 'the token is still valid, so it is served');
    now = await stored(id);
    assert.equal(now.at, 'at-2');
    assert.equal(now.rt, 'rt-1');
    assert.ok(now.row.next_refresh_at! > clock.now());
    assert.match(now.row.error ?? '', /Access Denied/);

    // invalid_code on a refresh: the token was revoked.
    assert.equal((await force(id)).status, 409);
    await assertDeadAndStopped(s, id, /invalid_code/, 'rt-1');
  },

  async 'C06-refresh-omits-refresh-token-then-invalid-grant'(c) {
    const s = await setup(c, (_req, n) => answer(c, n));
    const id = await connect(s, -1);
    const received = clock.now();
    const res = await read(id);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.credentials.oauth_access_token, 'at-2');
    const now = await stored(id);
    assert.equal(now.rt, 'rt-1');
    assert.equal(now.row.expires_at, received + 3599_000);
    assert.equal(now.row.last_refreshed_at, received);
    assert.ok(now.row.next_refresh_at! < now.row.expires_at!);

    clock.advance(7 * 24 * 3600_000);
    assert.equal((await read(id)).status, 409, 'not the stale at-2');
    await assertDeadAndStopped(s, id, /invalid_grant: Token has been expired or revoked/, 'rt-1');
  },

  async 'C07-xero-rotation-concurrent-refresh'(c) {
    const used = new Set<string>();
    const s = await setup(c, (req) => {
      if (used.has(req.refreshToken!)) return answer(c, 1);
      used.add(req.refreshToken!);
      return { ...answer(c, 0), delayMs: 300 };
    });

    // Two reads at the same moment in one process: one upstream call, both get at-2.
    const id = await connect(s, -1);
    const received = clock.now();
    const [a, b] = await Promise.all([read(id), read(id)]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(a.body.data.credentials.oauth_access_token, 'at-2');
    assert.equal(b.body.data.credentials.oauth_access_token, 'at-2');
    assert.equal(s.refreshes().length, 1, 'exactly one upstream refresh');
    const now = await stored(id);
    assert.equal(now.rt, 'rt-2');
    assert.equal(now.row.expires_at, received + 1800_000);
    assert.equal(now.row.dead, 0);

    // The same through two servers on one database (separate engines): the lease decides.
    const other = await startTestLatchkey({
      databaseUrl: lk.databaseUrl,
      clock,
      wire: { now: () => clock.now() },
      env: { LATCHKEY_MASTER_KEY: masterKey, LATCHKEY_REFRESH_INTERVAL_MS: '0' },
    });
    try {
      used.clear();
      const id2 = await connect(s, -1);
      const [x, y] = await Promise.all([
        read(id2),
        read(id2, undefined, apiClient(other.url, other.apiKey)),
      ]);
      assert.equal(x.status, 200, JSON.stringify(x.body));
      assert.equal(y.status, 200, JSON.stringify(y.body));
      assert.equal(x.body.data.credentials.oauth_access_token, 'at-2');
      assert.equal(y.body.data.credentials.oauth_access_token, 'at-2');
      assert.equal(s.refreshes().length, 2, 'one upstream refresh for the second account');
      assert.equal((await stored(id2)).rt, 'rt-2');
    } finally {
      await other.server.close();
    }
  },

  async 'C08-intuit-quickbooks-rt-sometimes-changes'(c) {
    let rotated = false;
    const s = await setup(c, (req, n) => {
      if (req.refreshToken === 'rt-1' && rotated) return answer(c, 2);
      if (n === 1) rotated = true;
      return answer(c, n === 0 ? 0 : 1);
    });
    const id = await connect(s, 600);

    const received = clock.now();
    assert.equal((await force(id)).status, 200);
    let now = await stored(id);
    assert.equal(now.at, 'at-2');
    assert.equal(now.rt, 'rt-1', 'the same refresh token returned is saved, not an error');
    assert.equal(now.row.last_refreshed_at, received);
    assert.equal(now.row.expires_at, received + 3600_000);
    assert.equal(now.row.refresh_token_expires_at, received + 8726400_000);

    clock.advance(1000);
    assert.equal((await force(id)).status, 200);
    now = await stored(id);
    assert.equal(now.at, 'at-3');
    assert.equal(now.rt, 'rt-2');

    clock.advance(1000);
    assert.equal((await force(id)).status, 200);
    assert.deepEqual(
      s.refreshes().map((r) => r.refreshToken),
      ['rt-1', 'rt-1', 'rt-2'],
      'the superseded rt-1 is never presented again',
    );
    assert.equal((await stored(id)).row.dead, 0);
  },

  async 'C09-atlassian-rotating-rt-403-invalid-grant'(c) {
    const s = await setup(c, (_req, n) => answer(c, n));
    const id = await connect(s, -1);
    const res = await read(id);
    assert.equal(res.body.data.credentials.oauth_access_token, 'at-2');
    assert.equal((await stored(id)).rt, 'rt-2');

    clock.advance(2 * 3600_000);
    assert.equal((await read(id)).status, 409);
    assert.equal(s.refreshes()[1]?.refreshToken, 'rt-2');
    await assertDeadAndStopped(s, id, /invalid_grant: Unknown or invalid refresh token/, 'rt-2');
  },

  async 'C12-microsoft-aadsts-reauth-errors'(c) {
    const s = await setup(c, () => answer(c, 0));
    const inactive = await connect(s, -1);
    const expiresBefore = (await stored(inactive)).row.expires_at;
    assert.equal((await read(inactive)).status, 409);
    const dead = await stored(inactive);
    assert.equal(dead.row.expires_at, expiresBefore, 'expires_at unchanged');
    assert.equal(dead.at, 'at-1');
    await assertDeadAndStopped(s, inactive, /invalid_grant: AADSTS700082/, 'rt-1');

    s.refresh = () => answer(c, 1);
    const conditional = await connect(s, -1);
    assert.equal((await read(conditional)).status, 409);
    await assertDeadAndStopped(
      s,
      conditional,
      /interaction_required: AADSTS70043.*suberror token_expired/,
      'rt-1',
    );
  },

  async 'C13-transient-5xx-429-waf'(c) {
    for (let i = 0; i <= c.additional_responses.length; i += 1) {
      const recorded = answer(c, i);
      const s = await setup(c, () => recorded);
      const retryAfter = Number(recorded.headers['Retry-After'] ?? 0);

      // at-1 still valid (10 min left): served while refreshes fail, rt-1 kept.
      const valid = await connect(s, 600);
      const expiresAt = (await stored(valid)).row.expires_at;
      const res = await read(valid, 900); // asks for more than is left: a refresh is tried
      assert.equal(res.status, 200, `answer ${i}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.data.credentials.oauth_access_token, 'at-1');
      assert.equal(res.body.data.healthy, true);
      assert.equal(res.body.data.dead, false);
      const now = await stored(valid);
      assert.equal(now.at, 'at-1');
      assert.equal(now.rt, 'rt-1');
      assert.equal(now.row.expires_at, expiresAt, 'expires_at unchanged');
      assert.equal(now.row.dead, 0);
      assert.ok(now.row.error, 'the failure is noted');
      assert.ok(now.row.next_refresh_at! > clock.now(), 'backed off');
      if (retryAfter) {
        assert.ok(now.row.next_refresh_at! >= clock.now() + retryAfter * 1000, 'Retry-After');
      }
      // Reads during the backoff do not set off more refreshes.
      for (let k = 0; k < 5; k += 1) assert.equal((await read(valid, 900)).status, 200);
      assert.equal(s.refreshes().length, 1, `answer ${i}: one attempt per backoff`);

      // at-1 expired: 503 refresh_unavailable with Retry-After, never the expired token.
      const expired = await connect(s, -1);
      const gone = await read(expired);
      assert.equal(gone.status, 503, JSON.stringify(gone.body));
      assert.equal(gone.body.code, 'refresh_unavailable');
      const seconds = Number(gone.headers.get('retry-after'));
      assert.ok(seconds >= Math.max(1, retryAfter), `retry-after ${seconds}`);
      const after = await stored(expired);
      assert.equal(after.rt, 'rt-1');
      assert.equal(after.row.dead, 0);
      assert.equal((await read(expired)).status, 503);
      assert.equal(s.refreshes().length, 2, 'reads while cooling down do not call the provider');
    }
  },
};

/** invalid_client on a refresh (the operator's problem, case C16's second answer). */
async function invalidClientOnRefresh(c: TokenEndpointCase) {
  const s = await setup(c, () => answer(c, 1));
  const id = await connect(s, -1);
  const res = await read(id);
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.ok(Number(res.headers.get('retry-after')) >= 600, 'cooldown of minutes');
  const now = await stored(id);
  assert.equal(now.row.dead, 0, 'invalid_client never marks the user account dead');
  assert.equal(now.rt, 'rt-1');
  assert.equal(now.at, 'at-1');
  assert.match(now.row.error ?? '', /invalid_client/);
  assert.ok(now.row.next_refresh_at! >= clock.now() + 600_000);
  await read(id);
  await lk.server.services.scheduler.tick();
  assert.equal(s.refreshes().length, 1, 'no tight retries');
}

/** The exchange-side account expectations, through the connect flow over HTTP. */
const exchangeHandlers: Record<string, (c: TokenEndpointCase) => Promise<void>> = {
  async 'C01-github-form-urlencoded'(c) {
    const s = await setup(c, () => assert.fail('never refreshed'), { scope_separator: ',' });
    s.exchange = answer(c, 0);
    const { accountId } = await connectViaFake(lk, s.slug);
    assert.ok(accountId);
    await assertNeverExpires(s, accountId, 'at-1');
    const view = await lk.api('GET', `/v1/accounts/${accountId}`);
    assert.deepEqual(view.body.data.authorized_scopes, ['repo', 'gist']);
  },

  async 'C05-google-no-refresh-token-on-reconsent'(c) {
    const s = await setup(c, () => assert.fail('never refreshed'));
    // B: first connect without a refresh token: stored, flagged as unable to refresh.
    s.exchange = answer(c, 0);
    const received = clock.now();
    const b = await connectViaFake(lk, s.slug);
    assert.ok(b.accountId);
    const view = (await lk.api('GET', `/v1/accounts/${b.accountId}`)).body.data;
    assert.match(view.error, /no_refresh_token/);
    assert.equal(view.next_refresh_at, null);
    const nb = await stored(b.accountId);
    assert.equal(nb.row.expires_at, received + 3599_000);
    assert.equal(nb.rt, null);
    clock.advance(3600_000);
    assert.equal((await read(b.accountId)).status, 409, 'needs a reconnect once at-2 expired');

    // A: a reconnect whose answer has no refresh token keeps the stored rt-1.
    s.exchange = tokenJson('at-1', 'rt-1', 3600);
    const a = await connectViaFake(lk, s.slug);
    assert.ok(a.accountId);
    s.exchange = answer(c, 0);
    const again = await connectViaFake(lk, s.slug, { reconnect: a.accountId });
    assert.equal(again.accountId, a.accountId);
    const na = await stored(a.accountId);
    assert.equal(na.at, 'at-2');
    assert.equal(na.rt, 'rt-1');
    assert.equal(na.row.error, null);
    assert.ok(na.row.next_refresh_at);

    // Reconnecting the dead account B brings it back.
    const revived = await connectViaFake(lk, s.slug, { reconnect: b.accountId });
    assert.equal(revived.accountId, b.accountId);
    assert.equal((await read(b.accountId)).status, 200);
  },

  async 'C11-microsoft-v1-string-numbers'(c) {
    const s = await setup(c, () => assert.fail('not refreshed here'));
    s.exchange = answer(c, 0);
    const received = clock.now();
    const { accountId } = await connectViaFake(lk, s.slug);
    assert.ok(accountId);
    const n = await stored(accountId);
    assert.equal(n.at, 'at-1');
    assert.equal(n.rt, 'rt-1');
    assert.equal(n.row.expires_at, received + 3599_000);
  },

  async 'C16-notion-client-secret-basic'(c) {
    const s = await setup(c, () => assert.fail('never refreshed'), {
      token_auth_method: 'client_secret_basic',
    });
    s.exchange = (req) => (req.basic ? answer(c, 0) : answer(c, 1));
    const { accountId } = await connectViaFake(lk, s.slug);
    assert.ok(accountId);
    await assertNeverExpires(s, accountId, 'at-1');
    const meta = JSON.parse((await stored(accountId)).row.metadata);
    assert.equal(meta.workspace_id, 'ws-fake-1');
    await invalidClientOnRefresh(c);
  },
};

/** A token without expiry: expires_at null, never refreshed, still served a month later. */
async function assertNeverExpires(s: Setup, id: string, token: string) {
  const n = await stored(id);
  assert.equal(n.row.expires_at, null, 'no expires_in: expiry unknown, not 0 or the epoch');
  assert.equal(n.row.next_refresh_at, null);
  assert.equal(n.rt, null);
  clock.advance(30 * 24 * 3600_000);
  const res = await read(id, 86400);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.credentials.oauth_access_token, token);
  assert.equal(res.body.data.expires_at, null);
  await lk.server.services.scheduler.tick();
  assert.equal(s.refreshes().length, 0, 'never refreshed');
}

describe('recorded refresh cases through the real refresh engine', () => {
  for (const c of cases) {
    const isRefresh = /refresh/.test(c.exchange_or_refresh);
    const run = isRefresh ? handlers[c.id] : exchangeHandlers[c.id];
    const what = isRefresh ? 'refresh' : 'exchange';
    it(`${c.id} (${what}): ${c.expected.outcome}`, async () => {
      // A new refresh case in the JSON must get its account-level test here.
      assert.ok(run || !isRefresh, `no account-level refresh test for case ${c.id}`);
      if (run) await run(c);
    });
  }

  it('has no handler for a case that is not in the file', () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const id of [...Object.keys(handlers), ...Object.keys(exchangeHandlers)]) {
      assert.ok(ids.has(id), `handler for unknown case ${id}`);
    }
  });
});
