import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

const CHROMIUM = process.env.LATCHKEY_TEST_CHROMIUM ?? '/usr/bin/chromium';

const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function assertPageHeaders(res: Response, what: string): void {
  for (const [name, value] of Object.entries(pageHeaders)) {
    assert.equal(res.headers.get(name), value, `${what}: ${name}`);
  }
}

/** Sends raw bytes and returns the raw answer: for what fetch refuses to send. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.end(request);
  });
}

function parseRaw(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf(':')).toLowerCase(),
      l.slice(l.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

describe('HTTP hygiene: connect pages, caching, media types, validation messages', () => {
  let lk: TestLatchkey;
  const port = () => Number(new URL(lk.url).port);

  before(async () => {
    lk = await startTestLatchkey();
    const app = await lk.api('POST', '/v1/apps', {
      name_slug: 'weather',
      name: 'Weather',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'API <b>key</b>' }],
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
  });
  after(() => lk?.close());

  async function token(body: Record<string, unknown> = {}): Promise<string> {
    const res = await lk.api('POST', '/v1/connect/tokens', { app: 'weather', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.data.token;
  }

  const postForm = (fields: Record<string, string>) =>
    fetch(`${lk.url}/v1/connect/link`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });

  describe('keys app field names', () => {
    for (const name of ['token', 'account_id']) {
      it(`refuses a field named ${name}, which the connect form posts itself`, async () => {
        const res = await lk.api('POST', '/v1/apps', {
          name_slug: `clash-${name.replace('_', '-')}`,
          name: 'Clash',
          auth_type: 'keys',
          fields: [
            { name: 'api_key', label: 'Key' },
            { name, label: 'Clash' },
          ],
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'validation_failed');
        assert.match(res.body.error, new RegExp(`body\\.fields\\.1\\.name .*"${name}"`));
      });
    }
  });

  describe('the keys form answers a browser with pages', () => {
    it('a posted form without a field: an escaped page with a way back to the form', async () => {
      const t = await token();
      const res = await postForm({ token: t, api_key: '  ' });
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assertPageHeaders(res, 'error page');
      const html = await res.text();
      assert.match(html, /api_key: API &lt;b&gt;key&lt;\/b&gt; is required\./);
      assert.ok(!html.includes('<b>key</b>'));
      assert.match(
        html,
        new RegExp(`<a href="/v1/connect/link\\?token=${t}">Back to the form</a>`),
      );

      // The token still works: the form again, then a successful post.
      const form = await fetch(`${lk.url}/v1/connect/link?token=${t}`);
      assert.equal(form.status, 200);
      assert.equal((await postForm({ token: t, api_key: 'made-up-key' })).status, 200);
    });

    it('a used link: a page without a way back; the same post as JSON stays JSON', async () => {
      const t = await token();
      assert.equal((await postForm({ token: t, api_key: 'made-up-key' })).status, 200);

      const again = await postForm({ token: t, api_key: 'made-up-key' });
      assert.equal(again.status, 404);
      assertPageHeaders(again, 'used link page');
      const html = await again.text();
      assert.match(html, /This connect link is unknown or was used\./);
      assert.ok(!html.includes('Back to the form'));

      const json = await fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: t, api_key: 'made-up-key' }),
      });
      assert.equal(json.status, 404);
      assert.equal((await json.json()).code, 'connect_token_invalid');
    });

    it('a form without its token, and a link opened by a browser, are pages too', async () => {
      const missing = await postForm({ api_key: 'made-up-key' });
      assert.equal(missing.status, 400);
      assert.match(await missing.text(), /body\.token is required/);

      const opened = await fetch(`${lk.url}/v1/connect/link?token=ctok_nope`, {
        headers: { accept: 'text/html,application/xhtml+xml' },
      });
      assert.equal(opened.status, 404);
      assertPageHeaders(opened, 'unknown link page');
    });

    it('a link for an app that needs no connection says so', async () => {
      const app = await lk.api('POST', '/v1/apps', {
        name_slug: 'open-data',
        name: 'Open Data',
        auth_type: 'none',
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      const res = await lk.api('POST', '/v1/connect/tokens', { app: 'open-data' });
      if (res.status !== 201) {
        // The service refuses the token itself (the lead's check in createToken).
        assert.equal(res.status, 400);
        assert.match(res.body.error, /needs no connection/);
        return;
      }
      const link = await fetch(res.body.data.connect_link_url);
      assert.equal(link.status, 400);
      assertPageHeaders(link, 'no-connection page');
      assert.match(await link.text(), /Open Data needs no connection\./);
    });
  });

  describe('security headers', () => {
    it('on the keys form, its result page, and the callback page', async () => {
      const t = await token();
      const form = await fetch(`${lk.url}/v1/connect/link?token=${t}`);
      assertPageHeaders(form, 'keys form');
      assert.match(await form.text(), /<form method="post" action="\/v1\/connect\/link">/);

      const result = await postForm({ token: t, api_key: 'made-up-key' });
      assert.equal(result.status, 200);
      assertPageHeaders(result, 'result page');

      const callback = await fetch(`${lk.url}/v1/connect/callback?state=forged&code=x`);
      assert.equal(callback.status, 400);
      assertPageHeaders(callback, 'callback page');
    });

    it('no-store on every /v1 answer, errors included', async () => {
      for (const path of ['/v1/apps', '/v1/accounts', '/v1/accounts/apn_nope', '/v1/nothing']) {
        const res = await lk.api('GET', path);
        assert.equal(res.headers.get('cache-control'), 'no-store', path);
      }
      const anonymous = await lk.api('GET', '/v1/accounts', undefined, null);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('cache-control'), 'no-store');
    });
  });

  describe('what Node refuses itself gets our JSON shape', () => {
    it('headers over the size limit: 431', async () => {
      const res = await fetch(`${lk.url}/v1/accounts?pad=${'x'.repeat(20_000)}`, {
        headers: { authorization: `Bearer ${lk.apiKey}` },
      });
      assert.equal(res.status, 431);
      const body = await res.json();
      assert.equal(body.code, 'headers_too_large');
      assert.match(body.request_id, /^req_/);
      assert.equal(res.headers.get('x-request-id'), body.request_id);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });

    it('a control character in a header: 400', async () => {
      const answer = await rawHttp(
        port(),
        'GET /v1/accounts HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n',
      );
      const res = parseRaw(answer);
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error', 'request_id']);
      assert.equal(res.body.code, 'bad_http');
      assert.match(res.body.error, /not valid HTTP/);
      assert.equal(
        res.headers['content-length'],
        String(Buffer.byteLength(JSON.stringify(res.body))),
      );
    });
  });

  describe('media types', () => {
    const send = (path: string, type: string, body: string) =>
      fetch(lk.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${lk.apiKey}`, 'content-type': type },
        body,
      });

    it('text/plain is 415, and form bodies are 415 outside the connect form', async () => {
      const text = await send('/v1/apps', 'text/plain', '{"name_slug":"x"}');
      assert.equal(text.status, 415);
      assert.equal((await text.json()).code, 'unsupported_media_type');

      const form = await send('/v1/apps', 'application/x-www-form-urlencoded', 'name_slug=x');
      assert.equal(form.status, 415);
      assert.equal((await form.json()).code, 'unsupported_media_type');
    });

    it('a refused key is refused before its body is looked at', async () => {
      const res = await fetch(`${lk.url}/v1/apps`, {
        method: 'POST',
        headers: { authorization: 'Bearer lk_wrong', 'content-type': 'text/plain' },
        body: 'x',
      });
      assert.equal(res.status, 401);
    });
  });

  describe('validation messages and query parameters', () => {
    let accountId = '';

    before(async () => {
      const res = await fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: await token({ success_redirect_uri: 'https://example.com/done' }),
          api_key: 'made-up-key',
        }),
        redirect: 'manual',
      });
      accountId = new URL(res.headers.get('location')!).searchParams.get('account_id')!;
    });

    it('an unknown body property is named', async () => {
      const res = await lk.api('POST', '/v1/connect/tokens', { app: 'weather', colour: 'red' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'body.colour is not a known property');
    });

    it('null where a string belongs says so', async () => {
      const res = await lk.api('POST', '/v1/connect/tokens', { app: null });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'body.app must be a string');
      const number = await lk.api('POST', '/v1/connect/tokens', {
        app: 'weather',
        expires_in: '600',
      });
      assert.equal(number.status, 400);
      assert.equal(number.body.error, 'body.expires_in must be an integer');
    });

    it('unknown query parameters are ignored when reading accounts', async () => {
      const list = await lk.api('GET', '/v1/accounts?_=1712345678&utm_source=x&limit=5');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.ok(list.body.data.some((a: { id: string }) => a.id === accountId));
      const one = await lk.api('GET', `/v1/accounts/${accountId}?_=1712345678&cb=2`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.equal(one.body.data.id, accountId);
    });

    it('min_ttl takes plain whole seconds up to 86400', async () => {
      const read = (v: string) =>
        lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1&min_ttl=${v}`);
      for (const v of ['0', '60', '86400']) assert.equal((await read(v)).status, 200, v);
      for (const v of ['1e400', 'Infinity', '0x10', '-1', '1.5', '86401', '', '%201']) {
        const res = await read(v);
        assert.equal(res.status, 400, v);
        assert.match(res.body.error, /min_ttl/, v);
      }
    });
  });

  describe('the keys form in a real browser', { skip: !existsSync(CHROMIUM) }, () => {
    let landing: Server;
    let landingUrl = '';

    before(async () => {
      landing = createServer((_req, res) => res.end('landed'));
      await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
      const address = landing.address();
      landingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(() => new Promise((resolve) => landing?.close(resolve)));

    /** Fills and posts the keys form in Chromium; returns where the browser ended up. */
    async function submitInBrowser(redirect?: string): Promise<{ url: string; text: string }> {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      });
      try {
        const page = await browser.newPage();
        const violations: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
        });
        const t = await token(redirect ? { success_redirect_uri: redirect } : {});
        await page.goto(`${lk.url}/v1/connect/link?token=${t}`);
        await page.fill('input[name="api_key"]', 'made-up-browser-key');
        await page.click('button[type="submit"]');
        await page.waitForFunction(() => !document.querySelector('form'), null, {
          timeout: 5000,
        });
        assert.deepEqual(violations, []);
        return { url: page.url(), text: (await page.textContent('body')) ?? '' };
      } finally {
        await browser.close();
      }
    }

    it('posts under its CSP and shows the result page', async () => {
      const { url, text } = await submitInBrowser();
      assert.equal(url, `${lk.url}/v1/connect/link`);
      assert.match(text, /You can close this window/);
    });

    it('follows the redirect to a success URI on another origin', async () => {
      const { url, text } = await submitInBrowser(`${landingUrl}/done`);
      assert.ok(url.startsWith(`${landingUrl}/done?`), url);
      assert.equal(text, 'landed');
    });
  });
});
