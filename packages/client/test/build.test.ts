import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestLatchkey, type TestLatchkey } from '../../../test/support/latchkey.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The package as it would be published: compiled JavaScript and types, used by plain Node. */
describe('the built @latchkey/client', () => {
  let lk: TestLatchkey;
  let out: string;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'latchkey-client-build-'));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const config = join(root, 'packages/client/tsconfig.build.json');
    await run(process.execPath, [tsc, '-p', config, '--outDir', out]);
    lk = await startTestLatchkey();
  });

  after(async () => {
    await lk?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('emits JavaScript with type declarations that Node runs without a loader', async () => {
    await lk.api('POST', '/v1/apps', {
      name_slug: 'weather',
      name: 'Weather',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'API key' }],
    });
    const token = await lk.api('POST', '/v1/connect/tokens', { app: 'weather' });
    const page = await fetch(`${lk.url}/v1/connect/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.body.data.token, api_key: 'made-up-built-key' }),
    });
    const accountId = /apn_[\w-]+/.exec(await page.text())![0];

    const script = join(out, 'use.mjs');
    writeFileSync(
      script,
      `import { Latchkey } from './index.js';
const client = new Latchkey({ baseUrl: process.env.URL, apiKey: process.env.KEY });
const c = await client.getCredentials(process.env.ACCOUNT);
console.log(JSON.stringify(c.fields));`,
    );
    const { stdout } = await run(process.execPath, [script], {
      env: { ...process.env, URL: lk.url, KEY: lk.apiKey, ACCOUNT: accountId },
    });
    assert.deepEqual(JSON.parse(stdout), { api_key: 'made-up-built-key' });
    const types = await import('node:fs').then((fs) =>
      fs.readFileSync(join(out, 'index.d.ts'), 'utf8'),
    );
    assert.match(types, /Latchkey/);
  });
});
