import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/stores.ts';
import {
  buildWorld,
  call,
  connectAccount,
  invite,
  makeKey,
  uniqueEmail,
  type CallerName,
  type World,
} from './world.ts';

/** The columns of every row below, in this order. */
const columns: CallerName[] = [
  'anonymous',
  'otherWorkspace',
  'memberNoShare',
  'memberShared',
  'owner',
  'admin',
  'key:accounts:read',
  'key:credentials:read',
  'key:accounts:write',
  'key:apps:write',
  'key:admin',
  'memberKey:admin',
];

interface Cell {
  path: string;
  body?: unknown;
}

interface Rule {
  method: string;
  url: string;
  /** A variant of the same route (another query string), named for the report. */
  variant?: string;
  /** Twelve statuses, one per column; or one status for a public route, whoever calls. */
  expect: string;
  /** The concrete request for a caller; may create what the request will use up. */
  cell(w: World, caller: CallerName): Promise<Cell> | Cell;
}

let x = ''; // the account owned by the owner, private, shared with memberShared
let customApp = '';
let connectToken = ''; // an unused connect token of workspace A
let target = ''; // a member whose role the PATCH rows set to what it already is

const fresh = {
  async account(w: World) {
    const id = await connectAccount(w.lk, w.people.owner);
    const shared = { visibility: 'private', member_ids: [w.people.memberShared.userId] };
    await call(w.lk, w.people.owner, 'PUT', `/v1/accounts/${id}/access`, shared);
    return id;
  },
  async oauthApp(w: World) {
    const body = { app: 'github', client_id: 'id', client_secret: 'secret' };
    const res = await call(w.lk, w.people.owner, 'POST', '/v1/oauth_apps', body);
    return res.body.data.id as string;
  },
  async app(w: World) {
    const res = await call(w.lk, w.people.owner, 'POST', '/v1/apps', {
      name_slug: `gone-${Math.random().toString(36).slice(2, 10)}`,
      name: 'Unused',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'API key', secret: true }],
    });
    return res.body.data.id as string;
  },
  async member(w: World) {
    return (await invite(w.lk, w.people.owner, 'leaver', 'member')).userId;
  },
  async key(w: World) {
    const secret = await makeKey(w.lk, w.people.owner, ['accounts:read']);
    const list = await call(w.lk, w.people.owner, 'GET', '/v1/api_keys');
    return list.body.data.find((k: any) => secret.startsWith(k.prefix)).id as string;
  },
};

//                          anon oth  mNo  mSh  own  adm  k:ar k:cr k:aw k:ap k:ad mk:ad
const rules: Rule[] = [
  { method: 'GET', url: '/healthz', expect: '200', cell: () => ({ path: '/healthz' }) },
  { method: 'GET', url: '/readyz', expect: '200', cell: () => ({ path: '/readyz' }) },
  { method: 'GET', url: '/docs', expect: '200', cell: () => ({ path: '/docs' }) },
  { method: 'GET', url: '/docs/json', expect: '200', cell: () => ({ path: '/docs/json' }) },
  { method: 'GET', url: '/docs/yaml', expect: '200', cell: () => ({ path: '/docs/yaml' }) },
  {
    method: 'GET',
    url: '/docs/static/*',
    expect: '200',
    cell: () => ({ path: '/docs/static/index.css' }),
  },
  {
    method: 'GET',
    url: '/docs/static/index.html',
    expect: '302',
    cell: () => ({ path: '/docs/static/index.html' }),
  },
  {
    method: 'GET',
    url: '/docs/static/swagger-initializer.js',
    expect: '200',
    cell: () => ({ path: '/docs/static/swagger-initializer.js' }),
  },
  { method: 'GET', url: '/metrics', expect: '200', cell: () => ({ path: '/metrics' }) },
  // The dashboard's files; a missing asset is a 404 whether or not the dashboard is built.
  { method: 'GET', url: '/*', expect: '404', cell: () => ({ path: '/assets/missing.js' }) },
  {
    method: 'GET',
    url: '/v1/accounts',
    expect: '401  200  200  200  200  200  200  403  403  403  200  200',
    cell: () => ({ path: '/v1/accounts' }),
  },
  {
    method: 'GET',
    url: '/v1/accounts',
    variant: 'include_credentials=1',
    expect: '401  200  200  200  200  200  403  200  403  403  200  200',
    cell: () => ({ path: '/v1/accounts?include_credentials=1' }),
  },
  {
    method: 'GET',
    url: '/v1/accounts/:id',
    expect: '401  404  404  200  200  200  200  403  403  403  200  404',
    cell: () => ({ path: `/v1/accounts/${x}` }),
  },
  {
    method: 'GET',
    url: '/v1/accounts/:id',
    variant: 'include_credentials=1',
    expect: '401  404  404  200  200  403  403  200  403  403  200  404',
    cell: () => ({ path: `/v1/accounts/${x}?include_credentials=1` }),
  },
  {
    method: 'POST',
    url: '/v1/accounts/:id/refresh',
    expect: '401  404  404  200  200  200  403  403  200  403  200  404',
    cell: () => ({ path: `/v1/accounts/${x}/refresh` }),
  },
  {
    method: 'DELETE',
    url: '/v1/accounts/:id',
    expect: '401  404  404  403  204  204  403  403  204  403  204  404',
    cell: async (w) => ({ path: `/v1/accounts/${await fresh.account(w)}` }),
  },
  {
    method: 'GET',
    url: '/v1/accounts/:id/access',
    expect: '401  404  404  200  200  200  200  403  403  403  200  404',
    cell: () => ({ path: `/v1/accounts/${x}/access` }),
  },
  {
    method: 'PUT',
    url: '/v1/accounts/:id/access',
    expect: '401  404  404  403  200  200  403  403  200  403  200  404',
    cell: (w) => ({
      path: `/v1/accounts/${x}/access`,
      body: { visibility: 'private', member_ids: [w.people.memberShared.userId] },
    }),
  },
  {
    method: 'GET',
    url: '/v1/apps',
    expect: '401  200  200  200  200  200  200  200  200  200  200  200',
    cell: () => ({ path: '/v1/apps' }),
  },
  {
    method: 'GET',
    url: '/v1/apps/:id',
    expect: '401  404  200  200  200  200  200  200  200  200  200  200',
    cell: () => ({ path: `/v1/apps/${customApp}` }),
  },
  {
    method: 'POST',
    url: '/v1/apps',
    expect: '401  201  201  201  201  201  403  403  403  201  201  201',
    cell: () => ({
      path: '/v1/apps',
      body: {
        name_slug: `app-${Math.random().toString(36).slice(2, 10)}`,
        name: 'Matrix',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      },
    }),
  },
  {
    // Owners and admins delete a workspace's unused custom app; a member's key never does.
    method: 'DELETE',
    url: '/v1/apps/:id',
    expect: '401  404  403  403  204  204  403  403  403  204  204  403',
    cell: async (w) => ({ path: `/v1/apps/${await fresh.app(w)}` }),
  },
  {
    method: 'POST',
    url: '/v1/oauth_apps',
    expect: '401  201  201  201  201  201  403  403  403  201  201  201',
    cell: () => ({
      path: '/v1/oauth_apps',
      body: { app: 'github', client_id: 'id', client_secret: 'secret' },
    }),
  },
  {
    method: 'GET',
    url: '/v1/oauth_apps',
    expect: '401  200  200  200  200  200  200  403  403  403  200  200',
    cell: () => ({ path: '/v1/oauth_apps' }),
  },
  {
    method: 'DELETE',
    url: '/v1/oauth_apps/:id',
    expect: '401  404  403  403  204  204  403  403  403  204  204  403',
    cell: async (w) => ({ path: `/v1/oauth_apps/${await fresh.oauthApp(w)}` }),
  },
  {
    method: 'POST',
    url: '/v1/connect/tokens',
    expect: '401  404  201  201  201  201  403  403  201  403  201  201',
    cell: () => ({ path: '/v1/connect/tokens', body: { app: customApp } }),
  },
  {
    // The token is workspace A's, made by its owner: its maker and the managers may ask, with
    // accounts:write; other members learn nothing (404).
    method: 'POST',
    url: '/v1/connect/tokens/status',
    expect: '401  404  404  404  200  200  403  403  200  403  200  404',
    cell: () => ({ path: '/v1/connect/tokens/status', body: { token: connectToken } }),
  },
  {
    method: 'GET',
    url: '/v1/connect/link',
    expect: '404',
    cell: () => ({ path: '/v1/connect/link?token=ctok_unknown' }),
  },
  {
    method: 'POST',
    url: '/v1/connect/link',
    expect: '404',
    cell: () => ({ path: '/v1/connect/link', body: { token: 'ctok_unknown', api_key: 'k' } }),
  },
  {
    method: 'GET',
    url: '/v1/connect/callback',
    expect: '400',
    cell: () => ({ path: '/v1/connect/callback?state=unknown&code=c' }),
  },
  {
    method: 'POST',
    url: '/v1/auth/signup',
    expect: '403',
    cell: () => ({
      path: '/v1/auth/signup',
      body: { email: uniqueEmail('late'), password: 'long enough password' },
    }),
  },
  {
    method: 'POST',
    url: '/v1/auth/login',
    expect: '401',
    cell: () => ({
      path: '/v1/auth/login',
      body: { email: uniqueEmail('nobody'), password: 'long enough password' },
    }),
  },
  {
    method: 'GET',
    url: '/v1/users/me',
    expect: '401  200  200  200  200  200  200  200  200  200  200  200',
    cell: () => ({ path: '/v1/users/me' }),
  },
  {
    method: 'POST',
    url: '/v1/workspaces',
    expect: '401  201  201  201  201  201  403  403  403  403  201  201',
    cell: () => ({ path: '/v1/workspaces', body: { name: 'matrix' } }),
  },
  {
    method: 'GET',
    url: '/v1/workspace/members',
    expect: '401  200  200  200  200  200  200  200  200  200  200  200',
    cell: () => ({ path: '/v1/workspace/members' }),
  },
  {
    method: 'POST',
    url: '/v1/workspace/members',
    expect: '401  201  403  403  201  201  403  403  403  403  201  403',
    cell: () => ({
      path: '/v1/workspace/members',
      body: { email: uniqueEmail('invitee'), role: 'member' },
    }),
  },
  {
    method: 'GET',
    url: '/v1/workspace/invitations',
    expect: '401  200  403  403  200  200  403  403  403  403  200  403',
    cell: () => ({ path: '/v1/workspace/invitations' }),
  },
  {
    method: 'DELETE',
    url: '/v1/workspace/invitations/:id',
    expect: '401  404  403  403  204  204  403  403  403  403  204  403',
    async cell(w) {
      const body = { email: uniqueEmail('withdrawn'), role: 'member' };
      const made = await call(w.lk, w.people.owner, 'POST', '/v1/workspace/members', body);
      return { path: `/v1/workspace/invitations/${made.body.data.id}` };
    },
  },
  {
    method: 'PATCH',
    url: '/v1/workspace/members/:user_id',
    expect: '401  404  403  403  200  200  403  403  403  403  200  403',
    cell: () => ({ path: `/v1/workspace/members/${target}`, body: { role: 'member' } }),
  },
  {
    method: 'DELETE',
    url: '/v1/workspace/members/:user_id',
    expect: '401  404  403  403  204  204  403  403  403  403  204  403',
    cell: async (w) => ({ path: `/v1/workspace/members/${await fresh.member(w)}` }),
  },
  {
    method: 'POST',
    url: '/v1/api_keys',
    expect: '401  201  201  201  201  201  403  403  403  403  201  201',
    cell: () => ({ path: '/v1/api_keys', body: { name: 'matrix', scopes: ['accounts:read'] } }),
  },
  {
    method: 'GET',
    url: '/v1/api_keys',
    expect: '401  200  200  200  200  200  403  403  403  403  200  200',
    cell: () => ({ path: '/v1/api_keys' }),
  },
  {
    method: 'DELETE',
    url: '/v1/api_keys/:id',
    expect: '401  404  404  404  204  204  403  403  403  403  204  404',
    cell: async (w) => ({ path: `/v1/api_keys/${await fresh.key(w)}` }),
  },
  {
    method: 'GET',
    url: '/v1/audit_events',
    expect: '401  200  403  403  200  200  403  403  403  403  200  403',
    cell: () => ({ path: '/v1/audit_events' }),
  },
  // Last: it ends the sessions it is called with.
  {
    // Near the end (only logout follows): people join another workspace here. Sessions only.
    method: 'POST',
    url: '/v1/auth/accept_invitation',
    expect: '401  200  200  200  200  200  403  403  403  403  403  403',
    async cell(w, caller) {
      const people: Partial<Record<CallerName, { email: string }>> = {
        otherWorkspace: w.people.otherOwner,
        memberNoShare: w.people.memberNoShare,
        memberShared: w.people.memberShared,
        owner: w.people.owner,
        admin: w.people.admin,
      };
      // Everyone but B's owner is invited to B by B's owner; B's owner to A by A's owner.
      const [inviter, workspace] =
        caller === 'otherWorkspace'
          ? [w.people.owner, w.workspaceA]
          : [w.people.otherOwner, w.workspaceB];
      const email = people[caller]?.email ?? uniqueEmail('invitee');
      const res = await call(
        w.lk,
        inviter,
        'POST',
        '/v1/workspace/members',
        { email, role: 'member' },
        { 'x-latchkey-workspace': workspace },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { path: '/v1/auth/accept_invitation', body: { invitation: res.body.data.invitation } };
    },
  },
  {
    method: 'POST',
    url: '/v1/auth/logout',
    expect: '401  204  204  204  204  204  204  204  204  204  204  204',
    cell: () => ({ path: '/v1/auth/logout' }),
  },
];

function expected(rule: Rule): Map<CallerName, number> {
  const statuses = rule.expect.trim().split(/\s+/).map(Number);
  if (statuses.length === 1) return new Map(columns.map((c) => [c, statuses[0]!]));
  assert.equal(
    statuses.length,
    columns.length,
    `${rule.method} ${rule.url}: one status per column`,
  );
  return new Map(columns.map((c, i) => [c, statuses[i]!]));
}

for (const dialect of testDialects()) {
  describe(`authorization matrix (${dialect})`, () => {
    let w: World;

    before(async () => {
      w = await buildWorld(dialect);
      x = await fresh.account(w);
      target = (await invite(w.lk, w.people.owner, 'target', 'member')).userId;
      const app = await call(w.lk, w.people.owner, 'POST', '/v1/apps', {
        name_slug: 'matrix-keys',
        name: 'Matrix keys',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      });
      customApp = app.body.data.id;
      const made = await call(w.lk, w.people.owner, 'POST', '/v1/connect/tokens', {
        app: customApp,
      });
      connectToken = made.body.data.token;
    });

    after(() => w.lk.close());

    it('has a rule for every route of the app, and no rule for a route that is gone', () => {
      const routes = new Set(
        w.lk.server.app.routeTable
          .filter((r) => r.method !== 'HEAD')
          .map((r) => `${r.method} ${r.url}`),
      );
      const covered = new Set(rules.map((r) => `${r.method} ${r.url}`));
      assert.deepEqual(
        [...routes].filter((r) => !covered.has(r)).sort(),
        [],
        'routes without a rule',
      );
      assert.deepEqual(
        [...covered].filter((r) => !routes.has(r)).sort(),
        [],
        'rules without a route',
      );
    });

    it('answers every caller of every route with the expected status', async () => {
      const wrong: string[] = [];
      for (const rule of rules) {
        const want = expected(rule);
        for (const caller of columns) {
          const { path, body } = await rule.cell(w, caller);
          const res = await call(w.lk, w.callers[caller], rule.method, path, body);
          const label = `${rule.method} ${rule.url}${rule.variant ? ` [${rule.variant}]` : ''}`;
          if (res.status !== want.get(caller)) {
            const code = typeof res.body === 'object' ? res.body?.code : 'html';
            wrong.push(`${label} as ${caller}: ${res.status} ${code}, want ${want.get(caller)}`);
          }
          if (res.status >= 500) wrong.push(`${label} as ${caller}: server error`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  });
}
