import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip as skip, launchBrowser, shot, watchConsole } from '../support/browser.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { startOidcProvider, type OidcFixture } from '../support/oidc/index.ts';

const CLIENT = { clientId: 'dashboard-e2e', clientSecret: 'made-up-dashboard-client-secret' };
const OWNER = {
  name: 'Olive Owner',
  email: 'olive@example.com',
  password: 'correct horse battery',
};
const MEMBER = { name: 'Max Member', email: 'max@example.com', password: 'staple battery horse' };

describe('the dashboard in a real browser', { skip }, () => {
  let fixture: OidcFixture;
  let lk: TestLatchkey;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  let accountId = '';

  /** Records console errors and uncaught exceptions of the dashboard's own origin. */
  const watch = (p: Page) => watchConsole(p, lk.url, consoleErrors);

  before(async () => {
    const port = await freePort();
    fixture = await startOidcProvider({
      clients: [{ ...CLIENT, redirectUris: [`http://127.0.0.1:${port}/v1/connect/callback`] }],
    });
    lk = await startTestLatchkey({ port });

    browser = await launchBrowser();
    owner = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lk.url });
    page = await owner.newPage();
    page.setDefaultTimeout(10_000);
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await lk?.close();
    await fixture?.close();
  });

  it('signs up the first user, who becomes the owner', async () => {
    await page.goto(lk.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, '01-sign-in');

    await page.getByRole('link', { name: 'Create the first account' }).click();
    await page.getByLabel('Name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await shot(page, '02-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'No accounts yet' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/accounts');
    await shot(page, '03-accounts-empty');
  });

  it('adds the provider as a custom app by issuer discovery', async () => {
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('button', { name: 'Add a custom app' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Fixture ID');
    await page.getByLabel('Issuer URL', { exact: true }).fill(fixture.issuer);
    await page.getByRole('button', { name: 'Add app' }).click();

    await page.getByRole('heading', { name: 'Fixture ID' }).waitFor();
    await page.getByText(`${fixture.issuer}/auth`).waitFor();
    await shot(page, '04-apps');
  });

  it('connects an account through the provider and comes back with it highlighted', async () => {
    await page.getByRole('link', { name: 'Connect', exact: true }).first().click();
    await page.getByLabel('Search apps').fill('fixture');
    await page.getByRole('button', { name: /Fixture ID/ }).click();

    await page.getByLabel('Client ID').fill(CLIENT.clientId);
    await page.getByLabel('Client secret').fill(CLIENT.clientSecret);
    await shot(page, '05-connect');
    await page.getByRole('button', { name: 'Save OAuth client' }).click();
    await page.getByRole('button', { name: 'Continue to Fixture ID' }).click();

    // The provider's redirects, its auto-login and consent, the callback, then back here.
    await page.waitForURL(`${lk.url}/accounts`);
    const row = page.locator('tr.highlight');
    await row.getByText('octocat@example.com').waitFor();
    await row.getByText('Healthy').waitFor();
    await row
      .getByText(/^in (\d+ minutes|1 hour)$/)
      .first()
      .waitFor();
    await shot(page, '06-accounts-connected');

    const listed = await lk.api('GET', '/v1/accounts');
    assert.equal(listed.body.data.length, 1);
    accountId = listed.body.data[0].id;
    assert.equal(await row.getAttribute('id'), `account-${accountId}`);
  });

  it('copies the account ID to the clipboard from the keyboard, and says so', async () => {
    await page.getByRole('button', { name: 'Actions for octocat@example.com' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Copy account ID' }).waitFor();
    // Opening the menu puts focus on its first item, so the next Enter picks it.
    await page.waitForFunction(() => document.activeElement?.textContent === 'Copy account ID');
    await page.keyboard.press('Enter');
    await page.getByText('Copied the account ID to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), accountId);
  });

  it('lets an invited member sign up, and shows them the account once it is shared', async () => {
    const invite = await lk.api('POST', '/v1/workspace/members', {
      email: MEMBER.email,
      role: 'member',
    });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));

    const memberContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const member = await memberContext.newPage();
    member.setDefaultTimeout(10_000);
    watch(member);
    await member.goto(invite.body.data.invitation_url);
    await member.getByRole('heading', { name: 'Accept invitation' }).waitFor();
    await member.getByLabel('Name', { exact: true }).fill(MEMBER.name);
    await member.getByLabel('Email', { exact: true }).fill(MEMBER.email);
    await member.getByLabel('Password', { exact: true }).fill(MEMBER.password);
    await shot(member, '07-accept-invitation-phone');
    await member.getByRole('button', { name: 'Join workspace' }).click();
    await member.getByRole('heading', { name: 'No accounts yet' }).waitFor();

    // The owner shares it with the member by name.
    await page.reload();
    await page.getByRole('button', { name: 'Actions for octocat@example.com' }).click();
    await page.getByRole('menuitem', { name: 'Manage access' }).click();
    const dialog = page.getByRole('dialog', { name: /Manage access/ });
    await dialog.getByLabel(/Max Member/).check();
    await shot(page, '08-manage-access');
    await dialog.getByRole('button', { name: 'Save access' }).click();
    await page.getByRole('cell', { name: 'Max Member' }).waitFor();

    await member.reload();
    await member.getByText('octocat@example.com').waitFor();
    await member.getByText('Olive Owner').waitFor();
    await shot(member, '09-accounts-member-phone');

    // A member may refresh an account shared with them.
    const grantsBefore = fixture.stats.refreshGrants;
    await member.getByRole('button', { name: 'Actions for octocat@example.com' }).click();
    await member.getByRole('menuitem', { name: 'Refresh now' }).click();
    await member.getByText(/^Refreshed octocat@example.com/).waitFor();
    assert.equal(fixture.stats.refreshGrants, grantsBefore + 1);

    // Invited to a second workspace, the member joins it with the account they are signed in to.
    const login = await fetch(`${lk.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: OWNER.email, password: OWNER.password }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = ((await login.json()) as any).data.csrf_token as string;
    const asOwner = async (path: string, body: unknown, workspace?: string) => {
      const res = await fetch(lk.url + path, {
        method: 'POST',
        headers: {
          cookie,
          'x-csrf-token': csrf,
          'content-type': 'application/json',
          ...(workspace ? { 'x-latchkey-workspace': workspace } : {}),
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const second = await asOwner('/v1/workspaces', { name: 'Second' });
    const again = await asOwner(
      '/v1/workspace/members',
      { email: MEMBER.email, role: 'member' },
      second.data.id,
    );
    await member.goto(again.data.invitation_url);
    await member.getByRole('heading', { name: 'Accept invitation' }).waitFor();
    await shot(member, '10-join-second-workspace-phone');
    await member.getByRole('button', { name: 'Join workspace' }).click();
    await member.getByText('octocat@example.com').waitFor();
    const me = await member.evaluate(async () => (await fetch('/v1/users/me')).json());
    assert.deepEqual(me.data.workspaces.map((w: any) => w.name).sort(), [
      'Default workspace',
      'Second',
    ]);
    await memberContext.close();
  });

  it('creates an API key, shows its secret once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByLabel('Name').fill('billing worker');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-secret').textContent();
    assert.match(secret ?? '', /^lk_/);
    await shot(page, '10-api-key-secret');
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied the API key to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await page.getByRole('button', { name: 'Done' }).click();

    const ok = await lk.api('GET', '/v1/accounts', undefined, secret);
    assert.equal(ok.status, 200);
    await page.getByRole('button', { name: 'Revoke billing worker' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('Revoked billing worker.').waitFor();
    assert.equal(await page.getByRole('rowheader', { name: 'billing worker' }).count(), 0);
    assert.equal((await lk.api('GET', '/v1/accounts', undefined, secret)).status, 401);
  });

  it('shows members and the audit log', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('cell', { name: MEMBER.email }).waitFor();
    await page.getByLabel('Email to invite').fill('pat@example.com');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    await page.getByRole('rowheader', { name: 'pat@example.com' }).waitFor();
    await shot(page, '11-members');
    await page.getByRole('button', { name: 'Withdraw the invitation for pat@example.com' }).click();
    await page.getByText('Withdrew the invitation for pat@example.com.').waitFor();
    const pending = await lk.api('GET', '/v1/workspace/invitations');
    assert.deepEqual(pending.body.data, []);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('tbody').getByText('account.connected').first().waitFor();
    await shot(page, '12-audit');
  });

  it('reconnects the account through the provider, keeping its ID', async () => {
    const grantsBefore = fixture.stats.authorizationCodeGrants;
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: 'Actions for octocat@example.com' }).click();
    await page.getByRole('menuitem', { name: 'Reconnect' }).click();
    await page.waitForURL(`${lk.url}/accounts`);
    await page.locator(`tr.highlight#account-${accountId}`).waitFor();
    assert.equal(fixture.stats.authorizationCodeGrants, grantsBefore + 1);
    assert.equal((await lk.api('GET', '/v1/accounts')).body.data.length, 1);
  });

  it('deletes the account after confirmation', async () => {
    await page.getByRole('button', { name: 'Actions for octocat@example.com' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await shot(page, '13-delete-confirm');
    await page.getByRole('button', { name: 'Delete account' }).click();
    await page.getByRole('heading', { name: 'No accounts yet' }).waitFor();
    assert.equal((await lk.api('GET', `/v1/accounts/${accountId}`)).status, 404);
  });

  it('deletes a custom app nothing uses, after confirmation', async () => {
    const spare = await lk.api('POST', '/v1/apps', {
      name_slug: 'spare',
      name: 'Spare Keys',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'API key', secret: true }],
    });
    assert.equal(spare.status, 201, JSON.stringify(spare.body));
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('heading', { name: 'Spare Keys' }).waitFor();
    await page.getByRole('button', { name: 'Delete app Spare Keys' }).click();
    await shot(page, '14-app-delete-confirm');
    await page.getByRole('button', { name: 'Delete app', exact: true }).click();
    await page.getByText('Deleted Spare Keys.').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Spare Keys' }).count(), 0);
    assert.equal((await lk.api('GET', '/v1/apps/spare')).status, 404);
  });

  it('signs out, back to the sign-in page, with no console errors on the way', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(consoleErrors, []);
  });
});
