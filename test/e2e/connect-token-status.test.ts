import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/stores.ts';
import { buildWorld, call, type World } from '../authz/world.ts';

const status = '/v1/connect/tokens/status';

for (const dialect of testDialects()) {
  describe(`what became of a connect token (${dialect})`, () => {
    let w: World;
    const owner = () => w.callers['key:admin'];

    before(async () => {
      w = await buildWorld(dialect);
      const app = await call(w.lk, owner(), 'POST', '/v1/apps', {
        name_slug: 'status-keys',
        name: 'Status keys',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
    });

    after(() => w?.lk.close());

    async function makeToken(): Promise<{ token: string; expires_at: string }> {
      const made = await call(w.lk, owner(), 'POST', '/v1/connect/tokens', { app: 'status-keys' });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      return made.body.data;
    }

    async function submit(token: string, extra: Record<string, string> = {}): Promise<string> {
      const posted = await fetch(`${w.lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, api_key: 'made-up-status-key', ...extra }),
      });
      const html = await posted.text();
      assert.equal(posted.status, 200, html);
      return /apn_[\w-]+/.exec(html)![0];
    }

    it('answers null used_at and account_id while the link is unused', async () => {
      const { token, expires_at } = await makeToken();
      const res = await call(w.lk, owner(), 'POST', status, { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { data: { expires_at, used_at: null, account_id: null } });
    });

    it('answers the account the link connected, and the same one when it reconnects', async () => {
      const first = await makeToken();
      const accountId = await submit(first.token);
      const used = await call(w.lk, owner(), 'POST', status, { token: first.token });
      assert.equal(used.status, 200, JSON.stringify(used.body));
      assert.equal(used.body.data.account_id, accountId);
      assert.ok(Date.parse(used.body.data.used_at) <= Date.now());

      const second = await makeToken();
      assert.equal(await submit(second.token, { account_id: accountId }), accountId);
      const again = await call(w.lk, owner(), 'POST', status, { token: second.token });
      assert.equal(again.body.data.account_id, accountId);
    });

    it('is connect_token_invalid for an unknown token and for another workspace’s', async () => {
      const { token } = await makeToken();
      const other = await call(w.lk, w.callers.otherWorkspace, 'POST', status, { token });
      assert.equal(other.status, 404, JSON.stringify(other.body));
      assert.equal(other.body.code, 'connect_token_invalid');
      for (const unknown of ['ctok_unknownunknownunknown', 'not-a-token']) {
        const res = await call(w.lk, owner(), 'POST', status, { token: unknown });
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(res.body.code, 'connect_token_invalid');
      }
    });

    it('refuses a body without a token, or with anything else in it', async () => {
      const { token } = await makeToken();
      for (const body of [{}, { token: '' }, { token: 42 }, { token, extra: 'x' }]) {
        const res = await call(w.lk, owner(), 'POST', status, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'validation_failed');
      }
    });

    it('keeps the token out of the request log', async () => {
      const { token } = await makeToken();
      await call(w.lk, owner(), 'POST', status, { token });
      assert.ok(w.lk.logs().includes(status));
      assert.ok(!w.lk.logs().includes(token));
    });
  });
}
