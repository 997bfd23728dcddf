import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { databaseUnavailable } from '../../src/http/plugins/errors.ts';
import { sqlitePath } from '../../src/store/db.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

describe('a database that is locked or gone', () => {
  let lk: TestLatchkey;
  before(async () => {
    lk = await startTestLatchkey();
  });
  after(() => lk?.close());

  it('answers 503 database_unavailable while another process holds the write lock', async () => {
    // A key never used yet: its first use wants to write last_used_at.
    const made = await lk.api('POST', '/v1/api_keys', { name: 'fresh', scopes: ['admin'] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const secret = made.body.data.secret as string;

    const other = new SQLite(sqlitePath(lk.databaseUrl));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN EXCLUSIVE');
    try {
      // Reading still works (WAL), and the key is not refused for its bookkeeping write.
      const read = await lk.api('GET', '/v1/accounts', undefined, secret);
      assert.equal(read.status, 200, JSON.stringify(read.body));

      // A change cannot be written: the caller is told to come back, not that we broke.
      const write = await lk.api('POST', '/v1/apps', {
        name_slug: 'blocked',
        name: 'Blocked',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key', secret: true }],
      });
      assert.equal(write.status, 503, JSON.stringify(write.body));
      assert.equal(write.body.code, 'database_unavailable');
      assert.equal(write.headers.get('retry-after'), '5');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const again = await lk.api('GET', '/v1/apps/blocked');
    assert.equal(again.status, 404, 'the refused write left nothing behind');
    // Logged as an outage (and the audit batch as waiting to be written), never as our bug.
    assert.equal(lk.logs().includes('unhandled error'), false, 'logged as a bug');
    assert.match(lk.logs(), /"msg":"database unavailable"/);
  });

  it('tells database outages from bugs by their codes', () => {
    for (const code of ['ECONNREFUSED', 'SQLITE_BUSY', '57P01', '08006', '3D000', '53300']) {
      assert.equal(databaseUnavailable({ code }), true, code);
    }
    for (const code of [undefined, 'SQLITE_CONSTRAINT', '23505', '42P01', 'ERR_X']) {
      assert.equal(databaseUnavailable({ code }), false, String(code));
    }
  });
});
