import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '../support/http.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { testDialects } from '../support/stores.ts';

for (const dialect of testDialects()) {
  describe(`deleting a custom app (${dialect})`, () => {
    let lk: TestLatchkey;
    const call = (method: string, path: string, body?: unknown) =>
      requestJson(lk.url + path, method, body, { authorization: `Bearer ${lk.apiKey}` });
    const keysApp = async (slug: string) => {
      const res = await call('POST', '/v1/apps', {
        name_slug: slug,
        name: 'Typo',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.data.id as string;
    };

    before(async () => {
      lk = await startTestLatchkey({ dialect });
    });
    after(() => lk?.close());

    it('deletes an unused app by slug, frees the slug and records who did it', async () => {
      const id = await keysApp('mistyped');
      assert.equal((await call('DELETE', '/v1/apps/mistyped')).status, 204);
      const gone = await call('GET', `/v1/apps/${id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.code, 'app_not_found');
      assert.equal((await call('DELETE', '/v1/apps/mistyped')).status, 404);

      const again = await keysApp('mistyped');
      assert.notEqual(again, id);
      const events = await call('GET', '/v1/audit_events?action=app.deleted');
      assert.equal(events.body.data.length, 1);
      assert.equal(events.body.data[0].details.app_id, id);
      const created = await call('GET', '/v1/audit_events?action=app.created');
      assert.deepEqual(
        created.body.data.map((e: { details: { app_id: string } }) => e.details.app_id),
        [again, id],
      );
    });

    it('refuses a built-in app', async () => {
      const res = await call('DELETE', '/v1/apps/github');
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'conflict');
      assert.match(res.body.error, /built-in/);
    });

    it('refuses while an OAuth client or an open connect link uses it', async () => {
      const oauth = await call('POST', '/v1/apps', {
        name_slug: 'acme',
        name: 'Acme',
        auth_type: 'oauth',
        oauth: {
          authorization_url: 'https://acme.example/authorize',
          token_url: 'https://acme.example/token',
        },
      });
      assert.equal(oauth.status, 201, JSON.stringify(oauth.body));
      const client = await call('POST', '/v1/oauth_apps', {
        app: 'acme',
        client_id: 'made-up-client',
        client_secret: 'made-up-secret',
      });
      const refused = await call('DELETE', '/v1/apps/acme');
      assert.equal(refused.status, 409);
      assert.match(refused.body.error, /1 OAuth client/);
      assert.equal((await call('GET', '/v1/apps/acme')).status, 200);
      assert.equal((await call('DELETE', `/v1/oauth_apps/${client.body.data.id}`)).status, 204);
      assert.equal((await call('DELETE', '/v1/apps/acme')).status, 204);

      await keysApp('linked');
      const link = await call('POST', '/v1/connect/tokens', { app: 'linked' });
      assert.equal(link.status, 201);
      const open = await call('DELETE', '/v1/apps/linked');
      assert.equal(open.status, 409);
      assert.match(open.body.error, /1 unused connect link/);
    });

    it('never leaves an OAuth client, link or account of a deleted app behind', async () => {
      for (let round = 0; round < 15; round += 1) {
        const slug = `race-${round}`;
        await call('POST', '/v1/apps', {
          name_slug: slug,
          name: 'Race',
          auth_type: 'oauth',
          oauth: {
            authorization_url: 'https://race.example/authorize',
            token_url: 'https://race.example/token',
          },
        });
        // The delete starts 0–4 ms after the writes, so rounds interleave differently.
        const late = new Promise((resolve) => setTimeout(resolve, round % 5));
        const [deleted, client, link] = await Promise.all([
          late.then(() => call('DELETE', `/v1/apps/${slug}`)),
          call('POST', '/v1/oauth_apps', {
            app: slug,
            client_id: 'made-up-client',
            client_secret: 'made-up-secret',
          }),
          call('POST', '/v1/connect/tokens', { app: slug }),
        ]);
        const statuses = `delete ${deleted.status}, client ${client.status}, link ${link.status}`;
        if (deleted.status === 204) {
          assert.equal(client.status, 404, statuses);
          assert.equal(link.status, 404, statuses);
        } else {
          assert.equal(deleted.status, 409, statuses);
        }
      }
      // Whatever won, every OAuth client still has its app.
      const apps = new Set<string>();
      for (let after: string | null = null; ;) {
        const page = await call('GET', `/v1/apps?limit=100${after ? `&after=${after}` : ''}`);
        for (const app of page.body.data) apps.add(app.id);
        after = page.body.page_info.end_cursor;
        if (!after) break;
      }
      const clients = await call('GET', '/v1/oauth_apps?limit=100');
      for (const client of clients.body.data) {
        assert.ok(apps.has(client.app.id), `${client.id} lost its app`);
      }
    });

    it('refuses while an account uses it, and the account keeps its app', async () => {
      await keysApp('inuse');
      const link = await call('POST', '/v1/connect/tokens', { app: 'inuse' });
      const done = await requestJson(`${lk.url}/v1/connect/link`, 'POST', {
        token: link.body.data.token,
        api_key: 'made-up-key-0123',
      });
      assert.equal(done.status, 200, String(done.body));

      const refused = await call('DELETE', '/v1/apps/inuse');
      assert.equal(refused.status, 409);
      assert.match(refused.body.error, /1 account/);
      const listed = await call('GET', '/v1/accounts?app=inuse&include_credentials=1');
      assert.equal(listed.body.data.length, 1);
      assert.equal(listed.body.data[0].app.name_slug, 'inuse');
      assert.equal(listed.body.data[0].credentials.api_key, 'made-up-key-0123');
    });
  });
}
