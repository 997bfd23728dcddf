/**
 * Keeps the secrets we send to a provider out of the text it sends back. Providers echo what
 * they received (a rejected token, the request body, the Authorization header) in `error`,
 * `error_description` and friends, and that text ends up in `account.error`, API errors, audit
 * events and logs. Every secret is redacted in each form it took on the wire.
 */

/**
 * Secrets shorter than this are redacted only where they stand as a whole token: not touching a
 * letter, digit or '_' on either side. A 1–7 character secret would otherwise turn every word that
 * contains it into `[redacted]` ("ab" inside "about"). An echoed secret is nearly always
 * delimited (`client_secret=ab&`, quotes, spaces), so it is still caught; what is not caught is
 * a short secret glued to other letters, where nobody can tell it from the word around it.
 */
const MIN_FREE_LENGTH = 8;

/** The longest provider text (error description, one detail string) we keep, in characters. */
export const MAX_PROVIDER_TEXT = 500;

/** The longest provider error code we keep; real ones are a few words. */
export const MAX_PROVIDER_CODE = 100;

const PLACEHOLDER = '[redacted]';

/** Request body parameters whose values are secrets. */
const SECRET_BODY_PARAMS = [
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'token',
  'client_assertion',
  'assertion',
  'password',
];

/**
 * Every secret a request carries: the values of secret body parameters, the Authorization
 * credential (and, for Basic, the client secret inside it), and `extra` values the caller
 * knows about. Pass the result to `redact`/`sanitize`, which expand each to its wire forms.
 */
export function requestSecrets(
  headers: Headers,
  body: URLSearchParams | null,
  extra: readonly (string | null | undefined)[] = [],
): string[] {
  const out: string[] = [];
  for (const value of extra) {
    if (value) out.push(value);
  }

  for (const key of SECRET_BODY_PARAMS) {
    for (const value of body?.getAll(key) ?? []) {
      if (value) out.push(value);
    }
  }

  const authorization = headers.get('authorization');
  if (authorization) {
    out.push(...authorizationSecrets(authorization));
  }

  return out;
}

/**
 * `Basic <base64>` or `Bearer <token>`: the credential as sent, its base64url and unpadded
 * spellings, and for Basic the client secret it encodes (RFC 6749 §2.3.1 form-encodes it).
 */
function authorizationSecrets(header: string): string[] {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? '' : header.slice(0, space).toLowerCase();
  const credential = (space === -1 ? header : header.slice(space + 1)).trim();
  if (credential.length === 0) return [];

  const out = [credential];
  if (/^[A-Za-z0-9+/]+=*$/.test(credential)) {
    const unpadded = credential.replace(/=+$/, '');
    out.push(unpadded, unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
  }

  if (scheme === 'basic') {
    const pair = Buffer.from(credential, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon !== -1) {
      const secret = formDecode(pair.slice(colon + 1));
      if (secret) out.push(secret);
    }
  }

  return out;
}

function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * The spellings of `secret` a request may have carried and a provider may echo: raw,
 * encodeURIComponent, application/x-www-form-urlencoded (space as '+'), strict RFC 3986, each
 * percent-encoded one also with lower-case hex, and JSON-escaped.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const encoded: string[] = [];
  try {
    const component = encodeURIComponent(secret);
    encoded.push(component, component.replace(/[!'()*~]/g, percent));
  } catch {
    // A lone surrogate cannot be percent-encoded; the request carried U+FFFD in its place.
  }

  encoded.push(new URLSearchParams({ v: secret }).toString().slice(2));
  for (const form of encoded) {
    forms.add(form);
    forms.add(form.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
  }

  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms].filter((form) => form.length > 0);
}

function percent(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

/** A function that redacts the given secrets, in all their forms, from a text. */
export type Redactor = (text: string) => string;

export function redactor(secrets: readonly string[]): Redactor {
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap(secretForms))];
  if (forms.length === 0) return (text) => text;

  return (text) => {
    // Every occurrence of every form, overlapping ones included, is marked first and the
    // marked ranges are replaced once, so no secret is left half-replaced by another's match.
    const ranges: [number, number][] = [];
    for (const form of forms) {
      const whole = form.length < MIN_FREE_LENGTH;
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
        const end = at + form.length;
        if (whole && (isWordChar(text[at - 1]) || isWordChar(text[end]))) continue;
        ranges.push([at, end]);
      }
    }

    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let cursor = 0;
    let open = ranges[0]!;
    for (const range of ranges.slice(1)) {
      if (range[0] <= open[1]) {
        open = [open[0], Math.max(open[1], range[1])];
        continue;
      }
      out += text.slice(cursor, open[0]) + PLACEHOLDER;
      cursor = open[1];
      open = range;
    }

    return out + text.slice(cursor, open[0]) + PLACEHOLDER + text.slice(open[1]);
  };
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /\w/.test(c);
}

/** `text` with every form of every secret in `secrets` replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactor(secrets)(text);
}

/**
 * Provider text fit to keep: secrets redacted (before anything else, so they match as sent),
 * control characters turned into spaces, lone surrogates into U+FFFD (PostgreSQL refuses NUL
 * and malformed UTF-16 would not survive storage), and at most `max` characters.
 */
export function providerText(text: string, redactText: Redactor, max = MAX_PROVIDER_TEXT): string {
  const clean = redactText(text)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return bound(clean, max);
}

/** At most `max` characters (code points), ending in '…' when cut. */
function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** Secret-looking keys, at any depth, dropped from metadata kept beside the tokens. */
const SECRET_KEY = /token|secret|password|signature|credential|^code$|(^|_)key$/i;

/**
 * A copy of `value` without secret-looking keys (Slack nests a user token in `authed_user`)
 * and with `secrets` redacted from strings under any other key. The key pattern alone is a
 * deny-list and would miss a provider's new name; the redaction catches the tokens we know.
 */
export function sanitize(value: unknown, secrets: readonly string[] | Redactor): unknown {
  const redactText = typeof secrets === 'function' ? secrets : redactor(secrets);
  return walk(value, redactText, true);
}

/** A copy of `value` with `secrets` redacted from every string in it; keys are all kept. */
export function redactDeep(value: unknown, secrets: readonly string[] | Redactor): unknown {
  const redactText = typeof secrets === 'function' ? secrets : redactor(secrets);
  return walk(value, redactText, false);
}

function walk(value: unknown, redactText: Redactor, dropSecretKeys: boolean): unknown {
  if (typeof value === 'string') {
    return redactText(value);
  }

  if (Array.isArray(value)) {
    return value.map((item) => walk(item, redactText, dropSecretKeys));
  }

  if (typeof value !== 'object' || value === null) {
    return value;
  }

  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!dropSecretKeys || !SECRET_KEY.test(key)) {
      out[redactText(key)] = walk(inner, redactText, dropSecretKeys);
    }
  }

  return out;
}
