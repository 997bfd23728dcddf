import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

// CI installs Debian's chromium (apt-get install -y --no-install-recommends chromium).
export const CHROMIUM = process.env.LATCHKEY_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-artifacts', 'dashboard');

/** `skip` for a browser suite: a reason when there is no chromium, printed once. */
export const browserSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (CI installs chromium)`;
if (browserSkip) console.log(`dashboard browser test skipped: ${browserSkip}`);

/** Chromium, headless, with the dashboard built as `npm ci` builds it (built here if not). */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) {
    const { build } = await import('vite');
    const root = join(ROOT, 'web');
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Records into `errors` the console errors and uncaught exceptions of `origin`'s pages. */
export function watchConsole(page: Page, origin: string, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    if (where.startsWith(origin)) errors.push(`${where}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
}

/** Keeps a screenshot under test-artifacts/dashboard/<name>.png. */
export function shot(page: Page, name: string, fullPage = true): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Signs up the first user of an empty instance through the sign-up page. */
export async function signUpFirstUser(
  page: Page,
  url: string,
  user: { name: string; email: string; password: string },
): Promise<void> {
  await page.goto(`${url}/signup`);
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}
