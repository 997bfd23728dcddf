import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadCases } from '../../test/support/fake-token-endpoint.ts';
import { basicAuthorization } from './client-auth.ts';
import { ECHO_STYLES, phpJson } from '../../test/support/echo-styles.ts';
import {
  isRedacted,
  providerText,
  QUOTED_SECRET,
  redact,
  redactor,
  requestSecrets,
  sanitize,
} from './redact.ts';
import { parseResponseBody } from './response-body.ts';

const SECRET = 'a b+c/d=e%f@g~h';

describe('redact', () => {
  it('replaces a secret in every spelling a request carried it', () => {
    const spellings = [
      SECRET,
      encodeURIComponent(SECRET),
      new URLSearchParams({ s: SECRET }).toString().slice(2),
      encodeURIComponent(SECRET).toLowerCase(),
      JSON.stringify(SECRET).slice(1, -1),
    ];
    for (const spelling of spellings) {
      assert.equal(redact(`<${spelling}>`, [SECRET]), '<[redacted]>', spelling);
    }
  });

  it('finds the Basic credential, its base64url form and the secret inside it', () => {
    const header = basicAuthorization('id 1', SECRET);
    const secrets = requestSecrets(new Headers({ authorization: header }), null);
    const credential = header.slice('Basic '.length);
    const base64url = Buffer.from(credential, 'base64').toString('base64url');
    assert.equal(redact(header, secrets), 'Basic [redacted]');
    for (const text of [credential, base64url, SECRET]) {
      assert.equal(redact(text, secrets), '[redacted]', text);
    }
  });

  it('collects secret body parameters and leaves others alone', () => {
    const body = new URLSearchParams({ code: 'c-123456', grant_type: 'authorization_code' });
    const secrets = requestSecrets(new Headers(), body, ['s-123456', null]);
    assert.deepEqual(secrets.sort(), ['c-123456', 's-123456']);
  });

  it('replaces overlapping secrets as one range, leaving no piece behind', () => {
    assert.equal(
      redact('x abcdefghij-klmnopqr y', ['abcdefghij-k', 'ij-klmnopqr']),
      'x [redacted] y',
    );
  });

  it('redacts a short secret only where it stands alone', () => {
    assert.equal(redact('about ab, secret=ab&x', ['ab']), 'about [redacted], secret=[redacted]&x');
    assert.equal(redact('invalid_grant', ['grant']), 'invalid_grant');
    assert.equal(redact('[redacted] red', ['red']), '[redacted] [redacted]');
  });

  it('sanitizes keys as well as values', () => {
    const secret = 'hunter2-value-123';
    assert.deepEqual(sanitize({ [secret]: `is ${secret}`, token: 'x' }, [secret]), {
      '[redacted]': 'is [redacted]',
    });
  });
});

describe('providerText', () => {
  const none = redactor([]);

  it('bounds text by code points and marks the cut', () => {
    const out = providerText('é'.repeat(10) + '😀'.repeat(10), none, 15);
    assert.equal(Array.from(out).length, 15);
    assert.ok(out.endsWith('😀…'));
  });

  it('turns control characters and lone surrogates into harmless ones', () => {
    assert.equal(providerText('a\u0000b\r\nc\ud800d', none), 'a b  c\ufffdd');
  });

  it('redacts before it cuts, so no prefix of a secret survives', () => {
    const secret = 'z'.repeat(40);
    assert.equal(providerText(`${'a'.repeat(5)}${secret}`, redactor([secret]), 8), 'aaaaa[r…');
  });
});

// Space, + / = % @ and three non-ASCII letters: every escaper below changes some of them.
const QUOTED = 'cs QZXs3330+/=%@é€ü';

describe('a secret quoted in a spelling the request never used', () => {
  const redactText = redactor([QUOTED], { quoted: QUOTED_SECRET });

  for (const [name, escape] of Object.entries(ECHO_STYLES)) {
    it(`replaces the whole text when the provider writes it ${name}`, () => {
      const echoed = escape(QUOTED);
      assert.ok(!echoed.includes(QUOTED), echoed);
      const text = `invalid client: {"client_secret":"${echoed}"} (see docs)`;
      assert.equal(redactText(text), QUOTED_SECRET, text);
      assert.equal(redact(text, [QUOTED]), '[redacted]', text);
      assert.equal(providerText(text, redactText), QUOTED_SECRET);
    });
  }

  it('undoes JSON escapes of astral characters written as surrogate pairs', () => {
    const secret = 'key-😀-with-emoji-1234';
    const echoed = phpJson(secret);
    assert.match(echoed, /\\ud83d\\ude00/);
    assert.equal(redact(`got ${echoed}`, [secret]), '[redacted]');
  });

  it('finds an Authorization credential written with PHP slashes', () => {
    const header = 'Bearer ya29.a0AfH6SM/bq+Xy/Zz0k1=';
    const secrets = requestSecrets(new Headers({ authorization: header }), null);
    const text = `auth=${header.replace(/\//g, '\\/')}`;
    assert.equal(redact(text, secrets), '[redacted]');
  });

  it('catches a secret of 8 to 11 characters only when all of it is quoted', () => {
    const secret = 'ab/cd=é1';
    assert.equal(redact('x ab\\/cd=\\u00e91 y', [secret]), '[redacted]');
    assert.equal(redact('x ab\\/cd=\\u00e9 y', [secret]), 'x ab\\/cd=\\u00e9 y');
  });

  it('cuts forms it knows and keeps the rest readable when nothing else is quoted', () => {
    const body = new URLSearchParams({ grant_type: 'refresh_token', client_secret: QUOTED });
    assert.equal(
      redact(`you sent ${body.toString()}`, [QUOTED]),
      'you sent grant_type=refresh_token&client_secret=[redacted]',
    );
  });

  it('redacts quoting metadata strings and keys to [redacted]', () => {
    const php = phpJson(QUOTED);
    const metadata = { team: 'Acme', debug: `saw "${php}"`, [php]: 1, list: [`&quot;${php}`] };
    assert.deepEqual(sanitize(metadata, [QUOTED]), {
      team: 'Acme',
      debug: '[redacted]',
      '[redacted]': 1,
      list: ['[redacted]'],
    });
  });

  it('tells a redacted text from one that was left alone', () => {
    assert.ok(isRedacted(redact(`x ${QUOTED}`, [QUOTED])));
    assert.ok(isRedacted(QUOTED_SECRET));
    assert.ok(!isRedacted('me@example.com'));
  });
});

describe('ordinary provider text', () => {
  // Secrets shaped like real ones, and like this suite's, so windows have something to find.
  const secrets = [
    QUOTED,
    'made-up-secret-1',
    '4/0AX4XfWhZ-abcdefghijklmnopqrstuvwxyz0123456789',
    'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    '1//0gLzQmC-rt-abcdefghijklmnopqrstuvwxyz',
    basicAuthorization('client-id-123', 'made-up-secret-1'),
  ];
  const redactText = redactor(secrets, { quoted: QUOTED_SECRET });

  it('passes recorded error descriptions and details through unchanged', () => {
    let checked = 0;
    for (const c of loadCases()) {
      for (const answer of [c.response, ...c.additional_responses]) {
        const body = parseResponseBody(answer.headers['Content-Type'] ?? null, answer.body);
        for (const value of Object.values(body ?? {})) {
          if (typeof value !== 'string') continue;
          assert.equal(providerText(value, redactText), value, `${c.id}: ${value}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 30, String(checked));
  });

  it('leaves escapes, entities and percent-encoding in it alone', () => {
    const texts = [
      'Invalid redirect_uri: https:\\/\\/l.example\\/cb?x=%2F',
      'AADSTS50011: The reply URL &quot;https://app.example/cb&quot; does not match',
      'Ung\\u00fcltiger Code f\\u00fcr Client \\u201eclient-id-123\\u201c',
      'Le code a expiré. Ã© â‚¬ caf%C3%A9 &eacute;&#233;',
      'client_id=client-id-123 is not allowed the scope "repo gist"',
    ];
    for (const text of texts) assert.equal(redactText(text), text);
  });

  it('reads a megabyte of escape-laden text in well under a second', () => {
    const text = JSON.parse(JSON.stringify(`${'x\\/ %41 &amp; Ã© '.repeat(60_000)}`)) as string;
    const started = performance.now();
    assert.equal(redactText(text), text);
    assert.ok(performance.now() - started < 1000);
  });
});
