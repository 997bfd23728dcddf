import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newId } from '../../src/lib/ids.ts';
import { openStore } from '../../src/store/db.ts';
import type { ApiKeyRow } from '../../src/store/schema.ts';
import { accountRow } from '../support/account-row.ts';
import {
  browserSkip as skip,
  launchBrowser,
  shot as screenshot,
  signUpFirstUser,
  watchConsole,
} from '../support/browser.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

const OWNER = { email: 'olive@example.com', password: 'correct horse battery' };

/** The dashboard loads at most this many items of a list (LIST_CAP in web/src/api.ts). */
const CAP = 2000;
/** Accounts of the app whose accounts are the newest, and of the one whose are older. */
const NEWER = 2040;
const OLDER = 25;
const EXTRA_KEYS = 2010;

const fmt = (n: number) => n.toLocaleString('en');

/** A keys account shared with the workspace; lists never open its (empty) credentials. */
function bulkAccount(workspaceId: string, appId: string, name: string, at: number) {
  return accountRow(newId('apn'), {
    workspace_id: workspaceId,
    app_id: appId,
    name,
    visibility: 'workspace',
    created_at: at,
    updated_at: at,
  });
}

function keyRow(workspaceId: string, i: number, at: number): ApiKeyRow {
  return {
    id: newId('key'),
    workspace_id: workspaceId,
    user_id: null,
    name: `bulk key ${i}`,
    prefix: `lk_bulk${i}`,
    secret_hash: randomBytes(32).toString('hex'),
    scopes: JSON.stringify(['accounts:read']),
    created_at: at,
    last_used_at: null,
    expires_at: null,
    revoked_at: null,
  };
}

describe('the dashboard with lists longer than it loads', { skip }, () => {
  let lk: TestLatchkey;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  let keysTotal = 0;

  const shot = (p: Page, name: string) => screenshot(p, name, false);
  const partial = () => page.locator('.notice-partial');
  const countLine = () => page.locator('p.muted').filter({ hasText: /^Showing \S+ of / });

  before(async () => {
    lk = await startTestLatchkey();
    const apps: Record<string, string> = {};
    const made: [string, string][] = [
      ['Bulk Newer', 'bulk-newer'],
      ['Bulk Older', 'bulk-older'],
    ];
    for (const [name, slug] of made) {
      const app = await lk.api('POST', '/v1/apps', {
        name,
        name_slug: slug,
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      apps[slug] = app.body.data.id;
    }

    // Thousands of rows through the API would take most of the time budget: write them.
    const store = openStore(lk.databaseUrl);
    try {
      const { id: workspaceId } = await store.db
        .selectFrom('workspaces')
        .select('id')
        .executeTakeFirstOrThrow();
      const now = Date.now();
      const accounts = [
        ...Array.from({ length: NEWER }, (_, i) =>
          bulkAccount(workspaceId, apps['bulk-newer']!, `newer ${i}`, now - i * 1000),
        ),
        // Older than every account of the other app: past the cap of the unfiltered list.
        ...Array.from({ length: OLDER }, (_, i) =>
          bulkAccount(workspaceId, apps['bulk-older']!, `older ${i}`, now - 86_400_000 - i),
        ),
      ];
      const keys = Array.from({ length: EXTRA_KEYS }, (_, i) => keyRow(workspaceId, i, now - i));
      for (let i = 0; i < accounts.length; i += 400) {
        await store.db
          .insertInto('accounts')
          .values(accounts.slice(i, i + 400))
          .execute();
      }
      for (let i = 0; i < keys.length; i += 400) {
        await store.db
          .insertInto('api_keys')
          .values(keys.slice(i, i + 400))
          .execute();
      }
    } finally {
      await store.close();
    }
    const listed = await lk.api('GET', '/v1/api_keys?limit=1');
    keysTotal = listed.body.page_info.total_count;
    assert.ok(keysTotal > CAP);

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watchConsole(page, lk.url, consoleErrors);
    await signUpFirstUser(page, lk.url, { name: 'Olive', ...OWNER });
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await lk?.close();
  });

  it('says that Accounts shows only the first 2,000, of how many, and what to do', async () => {
    const total = NEWER + OLDER;
    const notice = page.getByRole('status').filter({ hasText: 'Showing the first' });
    await notice.waitFor();
    assert.match(
      await notice.innerText(),
      new RegExp(`^Showing the first ${fmt(CAP)} of ${fmt(total)} accounts\\. `),
    );
    assert.match(await notice.innerText(), /Search and the health filter look only at these/);
    assert.match(await notice.innerText(), /latchkey accounts list/);
    assert.equal(await countLine().innerText(), `Showing ${fmt(CAP)} of ${fmt(total)} accounts`);
    assert.equal(await page.locator('tbody tr').count(), CAP);
    await shot(page, 'l1-accounts-partial');

    // The app whose accounts are all past the cap is offered, and choosing it asks the server.
    const appFilter = page.getByRole('combobox', { name: /^App/ });
    await appFilter.focus();
    await appFilter.selectOption({ label: 'Bulk Older' });
    await countLine()
      .filter({ hasText: `Showing ${OLDER} of ${OLDER} accounts` })
      .waitFor();
    assert.equal(await partial().count(), 0, 'the whole of that app is loaded');
    assert.equal(await page.locator('tbody tr').count(), OLDER);

    await appFilter.selectOption({ label: 'All apps' });
    await notice.waitFor();
    assert.match(await notice.innerText(), new RegExp(`of ${fmt(total)} accounts`));
  });

  it('fits the notice on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const notice = partial();
    assert.ok(await notice.isVisible());
    const box = await notice.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await shot(page, 'l2-accounts-partial-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('says the same on API keys', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Showing the first' });
    await notice.waitFor();
    assert.match(
      await notice.innerText(),
      new RegExp(`^Showing the first ${fmt(CAP)} of ${fmt(keysTotal)} API keys\\. `),
    );
    assert.match(await notice.innerText(), /GET \/v1\/api_keys/);
    assert.equal(await page.locator('tbody tr').count(), CAP);
    await shot(page, 'l3-api-keys-partial');
  });

  it('says nothing where the whole list is loaded, and logs no errors', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('rowheader', { name: /\(you\)/ }).waitFor();
    assert.equal(await partial().count(), 0);
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('heading', { name: 'Bulk Older' }).waitFor();
    assert.equal(await partial().count(), 0);
    assert.deepEqual(consoleErrors, []);
  });
});
