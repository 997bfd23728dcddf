import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
};

describe('LATCHKEY_TRUSTED_PROXIES', () => {
  it('trusts no proxy by default', () => {
    assert.deepEqual(loadConfig({}).trustedProxies, []);
  });

  it('reads addresses, CIDR ranges and the named ranges, separated by commas', () => {
    const config = loadConfig({
      LATCHKEY_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16,::1,fd00::/8,loopback, uniquelocal',
    });
    assert.deepEqual(config.trustedProxies, [
      '10.0.0.1',
      '10.1.0.0/16',
      '::1',
      'fd00::/8',
      'loopback',
      'uniquelocal',
    ]);
  });

  it('refuses what is not an address or range, naming each bad entry', () => {
    const problems = problemsOf({ LATCHKEY_TRUSTED_PROXIES: '10.0.0.1,proxy.local,10.0.0.0/33,*' });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /LATCHKEY_TRUSTED_PROXIES/);
    assert.match(problems[0]!, /"proxy\.local", "10\.0\.0\.0\/33", "\*"/);
    assert.doesNotMatch(problems[0]!, /"10\.0\.0\.1"/);
  });
});

describe('LATCHKEY_METRICS_TOKEN', () => {
  it('is unset by default', () => {
    assert.equal(loadConfig({}).metricsToken, null);
  });

  it('refuses a short token without repeating it', () => {
    const problems = problemsOf({ LATCHKEY_METRICS_TOKEN: 'short-secret' });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /LATCHKEY_METRICS_TOKEN must be at least 16 characters/);
    assert.equal(problems[0]!.includes('short-secret'), false);
  });
});

describe('the public URL', () => {
  it('is made from the host and port when not given', () => {
    const config = loadConfig({ LATCHKEY_HOST: '192.0.2.10', LATCHKEY_PORT: '9000' });
    assert.equal(config.publicUrl, 'http://192.0.2.10:9000');
    assert.equal(config.publicUrlGuessed, true);
  });

  it('uses loopback, not the wildcard, when listening on every interface', () => {
    for (const host of ['0.0.0.0', '::']) {
      const config = loadConfig({ LATCHKEY_HOST: host, LATCHKEY_PORT: '9000' });
      assert.equal(config.publicUrl, 'http://127.0.0.1:9000', host);
    }
  });

  it('is LATCHKEY_PUBLIC_URL when given, without a trailing slash', () => {
    const config = loadConfig({
      LATCHKEY_HOST: '0.0.0.0',
      LATCHKEY_PUBLIC_URL: 'https://latchkey.example.test/',
    });
    assert.equal(config.publicUrl, 'https://latchkey.example.test');
    assert.equal(config.publicUrlGuessed, false);
  });
});
