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
