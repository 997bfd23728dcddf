import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestJson, type JsonAnswer } from '../support/http.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { testDialects } from '../support/stores.ts';
import { invite, signup, type SessionCaller } from '../authz/world.ts';

/** The lists that used to answer everything at once; all keyset-paginated like /v1/accounts. */
const lists = [
  { path: '/v1/apps', id: 'id' },
  { path: '/v1/api_keys', id: 'id' },
  { path: '/v1/workspace/members', id: 'user_id' },
  { path: '/v1/workspace/invitations', id: 'id' },
  { path: '/v1/oauth_apps', id: 'id' },
] as const;

type ListPath = (typeof lists)[number]['path'];

for (const dialect of testDialects()) {
  describe(`every list pages with limit, after and before (${dialect})`, () => {
    let lk: TestLatchkey;
    let owner: SessionCaller;
    let workspaceB: string;
    const inA: Record<string, string> = {};
    const inB: Record<string, string> = {};

    const get = (path: string, headers: Record<string, string> = inA): Promise<JsonAnswer> =>
      requestJson(lk.url + path, 'GET', undefined, headers);
    const post = async (path: string, body: unknown, headers: Record<string, string> = inA) => {
      const res = await requestJson(lk.url + path, 'POST', body, headers);
      assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
      return res.body.data;
    };
    const idOf = (path: ListPath) => lists.find((l) => l.path === path)!.id;

    /** Walks a list forwards at `limit`, checks the pages, and returns them. */
    async function walkForwards(path: ListPath, limit: number, headers = inA) {
      const pages: JsonAnswer['body'][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=${limit}${cursor ? `&after=${cursor}` : ''}`;
        const res = await get(path + query, headers);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { data, page_info } = res.body;
        assert.equal(page_info.count, data.length);
        assert.ok(data.length <= limit);
        if (pages.length > 0) assert.equal(page_info.total_count, pages[0].page_info.total_count);
        pages.push(res.body);
        cursor = page_info.end_cursor;
        if (cursor) assert.equal(data.length, limit, 'only the last page is short');
        assert.ok(pages.length < 50, 'the walk ends');
      } while (cursor);
      return pages;
    }

    before(async () => {
      lk = await startTestLatchkey({ dialect });
      const key = { authorization: `Bearer ${lk.apiKey}` };
      Object.assign(inA, key);

      // Workspace A (the bootstrap key's): four members, five of everything else.
      owner = await signup(lk, 'owner');
      for (const name of ['m1', 'm2', 'm3']) await invite(lk, owner, name, 'member');
      for (let i = 0; i < 5; i++) {
        await post('/v1/workspace/members', { email: `pending${i}@example.test`, role: 'member' });
        await post('/v1/oauth_apps', { app: 'github', client_id: `client-${i}` });
      }
      for (let i = 0; i < 4; i++) {
        await post('/v1/api_keys', { name: `key ${i}`, scopes: ['accounts:read'] });
      }
      for (const slug of ['zz-custom', 'aa-custom']) {
        await post('/v1/apps', {
          name_slug: slug,
          name: slug,
          auth_type: 'keys',
          fields: [{ name: 'api_key', label: 'API key' }],
        });
      }

      // Workspace B, the owner's too, with one of each of its own.
      const made = await post('/v1/workspaces', { name: 'B' }, owner.headers());
      workspaceB = made.id;
      Object.assign(inB, owner.headers(), { 'x-latchkey-workspace': workspaceB });
      await invite(lk, owner, 'bMember', 'member', workspaceB);
      await post('/v1/oauth_apps', { app: 'github', client_id: 'b-client' }, inB);
      await post('/v1/api_keys', { name: 'b key', scopes: ['accounts:read'] }, inB);
      await post('/v1/workspace/members', { email: 'b-pending@example.test', role: 'admin' }, inB);
      await post(
        '/v1/apps',
        {
          name_slug: 'b-custom',
          name: 'B custom',
          auth_type: 'keys',
          fields: [{ name: 'api_key', label: 'API key' }],
        },
        inB,
      );
    });
    after(() => lk?.close());

    const expectedTotals: Record<ListPath, number> = {
      '/v1/apps': 11, // nine built-in, two custom
      '/v1/api_keys': 5, // four made here and the bootstrap key
      '/v1/workspace/members': 4,
      '/v1/workspace/invitations': 5,
      '/v1/oauth_apps': 5,
    };

    for (const { path, id } of lists) {
      it(`${path}: forwards with after and back with before, each item once`, async () => {
        const limit = 2;
        const pages = await walkForwards(path, limit);
        const ids = pages.flatMap((p) => p.data.map((item: Record<string, string>) => item[id]));
        const total = expectedTotals[path];
        assert.equal(pages[0].page_info.total_count, total);
        assert.equal(ids.length, total);
        assert.equal(new Set(ids).size, total, 'no item twice');
        assert.equal(pages.length, Math.ceil(total / limit));
        assert.equal(pages.at(-1).page_info.end_cursor, null);

        // The same list in one page, in the same order.
        const whole = await get(`${path}?limit=100`);
        assert.equal(whole.status, 200);
        assert.deepEqual(
          whole.body.data.map((item: Record<string, string>) => item[id]),
          ids,
        );
        assert.equal(whole.body.page_info.end_cursor, null);

        // Backwards from the last page: the same pages, in reverse.
        let cursor: string | null = pages.at(-1).page_info.start_cursor;
        for (let i = pages.length - 2; i >= 0; i--) {
          const res = await get(`${path}?limit=${limit}&before=${cursor}`);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.deepEqual(res.body.data, pages[i].data, `page ${i} read backwards`);
          assert.equal(res.body.page_info.total_count, total);
          assert.notEqual(res.body.page_info.end_cursor, null, 'after `before`, more follow');
          cursor = res.body.page_info.start_cursor;
        }
        const beforeFirst = await get(`${path}?limit=${limit}&before=${cursor}`);
        assert.equal(beforeFirst.status, 200);
        assert.deepEqual(beforeFirst.body.data, []);
        assert.equal(beforeFirst.body.page_info.start_cursor, null);
      });

      it(`${path}: a bad limit names the field, a bad cursor is invalid_cursor`, async () => {
        for (const limit of ['0', '101', 'abc', '-1', '2.5']) {
          const res = await get(`${path}?limit=${limit}`);
          assert.equal(res.status, 400, `limit=${limit}`);
          assert.equal(res.body.code, 'validation_failed');
          assert.match(res.body.error, /querystring\.limit/);
        }
        // Not base64url JSON; a forged one whose id holds NUL (PostgreSQL would refuse it).
        const forged = Buffer.from(JSON.stringify(['x', 0, 'a\u0000'])).toString('base64url');
        for (const cursor of ['zz', forged]) {
          for (const param of ['after', 'before']) {
            const res = await get(`${path}?${param}=${cursor}`);
            assert.equal(res.status, 400, `${param}=${cursor}`);
            assert.equal(res.body.code, 'invalid_cursor');
          }
        }
        const fine = await get(path);
        assert.equal(fine.status, 200);
        assert.equal(fine.body.page_info.count, Math.min(25, expectedTotals[path]));
      });
    }

    it('a cursor of another workspace shows only this one; of another list, 400', async () => {
      // Every cursor of every list, of both workspaces, with the list it came from.
      const cursors: { from: string; cursor: string }[] = [];
      const itemsOf: Record<string, Set<string>> = {};
      for (const { path } of lists) {
        for (const headers of [inA, inB]) {
          const pages = await walkForwards(path, 2, headers);
          for (const page of pages) {
            for (const cursor of [page.page_info.start_cursor, page.page_info.end_cursor]) {
              if (typeof cursor === 'string') cursors.push({ from: path, cursor });
            }
          }
          const key = `${headers === inA ? 'A' : 'B'} ${path}`;
          itemsOf[key] = new Set(
            pages.flatMap((p) => p.data.map((item: Record<string, string>) => item[idOf(path)])),
          );
        }
      }
      assert.ok(cursors.length > 20);

      for (const { path, id } of lists) {
        const mine = itemsOf[`A ${path}`]!;
        for (const { from, cursor } of cursors) {
          for (const param of ['after', 'before']) {
            const res = await get(`${path}?limit=100&${param}=${cursor}`);
            if (from !== path) {
              assert.equal(res.status, 400, `${from}'s cursor on ${path}`);
              assert.equal(res.body.code, 'invalid_cursor');
              continue;
            }
            assert.equal(res.status, 200, JSON.stringify(res.body));
            assert.equal(res.body.page_info.total_count, expectedTotals[path]);
            for (const item of res.body.data as Record<string, string>[]) {
              assert.ok(mine.has(item[id]!), `${path} showed ${item[id]}, not of workspace A`);
            }
          }
        }
      }
      // Workspace B's own items exist, and are never among A's.
      for (const { path } of lists) {
        const onlyB = [...itemsOf[`B ${path}`]!].filter((x) => !itemsOf[`A ${path}`]!.has(x));
        assert.ok(onlyB.length > 0, `${path} has items only in B`);
      }
    });

    it('limit=100 (the dashboard’s) works everywhere, with oauth_apps’ app filter', async () => {
      for (const { path } of lists) {
        const res = await get(`${path}?limit=100`);
        assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      }
      const filtered = await get('/v1/oauth_apps?app=github&limit=2');
      assert.equal(filtered.status, 200);
      assert.equal(filtered.body.page_info.total_count, 5);
      assert.notEqual(filtered.body.page_info.end_cursor, null);
      const none = await get('/v1/oauth_apps?app=openai&limit=2');
      assert.equal(none.body.page_info.total_count, 0);
      assert.equal(none.body.page_info.end_cursor, null);
    });
  });
}
