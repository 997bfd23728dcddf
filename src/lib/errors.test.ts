import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCatalogue } from './errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it('documents every code in the README with its status', () => {
    for (const [code, { status }] of Object.entries(errorCatalogue)) {
      const row = new RegExp(`^\\| \`${code}\` +\\| ${status} +\\|`, 'm');
      assert.match(readme, row, `README's error table lacks ${code} (${status})`);
    }
  });

  it('gives every code a client-facing sentence', () => {
    for (const { message } of Object.values(errorCatalogue)) {
      assert.match(message, /^[A-Z].*\.$/);
    }
  });
});
