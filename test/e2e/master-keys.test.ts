import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { startServer } from '../../src/server.ts';
import { startTestLatchkey } from '../support/latchkey.ts';

describe('master keys at start-up', () => {
  it('refuses to start without a key stored secrets need, or a wrong one, naming it', async () => {
    const first = randomBytes(32).toString('base64');
    const lk = await startTestLatchkey({ env: { LATCHKEY_MASTER_KEYS: `k1:${first}` } });
    const client = await lk.api('POST', '/v1/oauth_apps', {
      app: 'github',
      client_id: 'made-up-id',
      client_secret: 'made-up-secret',
    });
    assert.equal(client.status, 201);
    await lk.server.close();

    const env = {
      LATCHKEY_DATA_DIR: lk.dataDir,
      LATCHKEY_DATABASE_URL: lk.databaseUrl,
      LATCHKEY_PORT: '0',
      LATCHKEY_LOG_LEVEL: 'silent',
    };
    const other = `k2:${randomBytes(32).toString('base64')}`;
    await assert.rejects(
      startServer({ config: loadConfig({ ...env, LATCHKEY_MASTER_KEYS: other }), listen: false }),
      /master key "k1" is not given/,
    );
    const wrong = `k1:${randomBytes(32).toString('base64')}`;
    await assert.rejects(
      startServer({ config: loadConfig({ ...env, LATCHKEY_MASTER_KEYS: wrong }), listen: false }),
      /master key "k1" does not open what was sealed with it/,
    );

    // With the old key listed after the new one, it starts.
    const both = loadConfig({ ...env, LATCHKEY_MASTER_KEYS: `${other},k1:${first}` });
    const server = await startServer({ config: both, listen: false });
    await server.close();
    await lk.close().catch(() => undefined);
  });
});
