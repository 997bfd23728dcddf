/**
 * Keeps the secrets we send to a provider out of the text it sends back. Providers echo what
 * they received (a rejected token, the request body, the Authorization header) in `error`,
 * `error_description` and friends, and that text ends up in `account.error`, API errors, audit
 * events and logs. Every secret is redacted in each form it took on the wire; a text that still
 * quotes one in some other spelling (PHP's `\/`, `\u00e9`, HTML entities, a partial copy,
 * mojibake) is replaced as a whole.
 */
import { decodedViews } from './text-views.ts';

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

/** What a provider's error text becomes when it quotes a secret in a spelling we cannot cut. */
export const QUOTED_SECRET = '[redacted: the provider quoted a secret]';

/**
 * A text quotes a secret of at least this many characters when any run of this many of its
 * characters shows up in a decoded view of the text. Runs rather than the whole secret catch a
 * partial echo and the ASCII stretches of a mangled (mojibake) one; 12 characters of a random
 * secret do not turn up in ordinary prose.
 */
const WINDOW = 12;

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

export interface RedactorOptions {
  /** What a text that still quotes a secret after the forms are cut out becomes. */
  quoted?: string;
}

/**
 * Redacts `secrets` in two steps. Each wire form (secretForms) is cut out where it stands, so
 * the rest of the text stays readable. Then, if any decoded view of what is left (decodedViews)
 * still holds a window of a secret, the provider quoted it in a spelling we do not cut, and
 * the whole text becomes `options.quoted` (default `[redacted]`).
 */
export function redactor(secrets: readonly string[], options: RedactorOptions = {}): Redactor {
  const unique = [...new Set(secrets.filter((s) => s.length > 0))];
  const forms = [...new Set(unique.flatMap(secretForms))];
  if (forms.length === 0) return (text) => text;

  const quotes = quoteFinder(unique);
  const quoted = options.quoted ?? PLACEHOLDER;
  return (text) => {
    const cut = cutForms(text, forms);
    return quotes(cut) ? quoted : cut;
  };
}

/**
 * Every occurrence of every form, overlapping ones included, is marked first and the marked
 * ranges are replaced once, so no secret is left half-replaced by another's match.
 */
function cutForms(text: string, forms: readonly string[]): string {
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
}

/**
 * A test for "some decoded view of the text holds a window of a secret": every WINDOW-long
 * run of each secret of MIN_FREE_LENGTH or more characters (the whole secret when shorter than
 * WINDOW), built once, grouped by length. Shorter secrets are left to the whole-token rule.
 */
function quoteFinder(secrets: readonly string[]): (text: string) => boolean {
  const bySize = new Map<number, Set<string>>();
  for (const secret of secrets) {
    if (secret.length < MIN_FREE_LENGTH) continue;
    const size = Math.min(WINDOW, secret.length);
    const set = bySize.get(size) ?? new Set<string>();
    for (let at = 0; at + size <= secret.length; at++) set.add(secret.slice(at, at + size));
    bySize.set(size, set);
  }

  if (bySize.size === 0) return () => false;
  const finders = [...bySize].map(([size, set]) => windowFinder(size, set));
  const smallest = Math.min(...bySize.keys());

  // Decoding only shortens a text, so a text shorter than every window cannot quote one.
  return (text) => {
    if (text.length < smallest) return false;
    for (const view of decodedViews(text)) {
      if (view.length >= smallest && finders.some((holds) => holds(view))) return true;
    }
    return false;
  };
}

/**
 * Whether a text holds one of `windows` (all `size` long). A rolling hash looked up in a bit
 * table keeps a megabyte answer to milliseconds per view; a hit is confirmed on the characters.
 */
function windowFinder(size: number, windows: Set<string>): (text: string) => boolean {
  // A table about 16 times the windows keeps false hits rare and a redactor cheap to build.
  let slots = 256;
  while (slots < windows.size * 16) slots *= 2;
  const mask = slots - 1;
  const table = new Uint8Array(slots);
  for (const w of windows) table[rollingHash(w, 0, size) & mask] = 1;
  let top = 1;
  for (let i = 1; i < size; i++) top = Math.imul(top, HASH_BASE);

  return (text) => {
    if (text.length < size) return false;
    let hash = rollingHash(text, 0, size);
    for (let at = 0; ; at++) {
      if (table[hash & mask] === 1 && windows.has(text.slice(at, at + size))) return true;
      if (at + size >= text.length) return false;
      hash = Math.imul(hash - Math.imul(text.charCodeAt(at), top), HASH_BASE);
      hash = (hash + text.charCodeAt(at + size)) | 0;
    }
  };
}

const HASH_BASE = 0x01000193;

function rollingHash(text: string, from: number, size: number): number {
  let hash = 0;
  for (let i = from; i < from + size; i++) {
    hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(i)) | 0;
  }
  return hash;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /\w/.test(c);
}

/**
 * `text` with every form of every secret in `secrets` replaced by `[redacted]`, or `[redacted]`
 * alone when it quotes one in another spelling.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return redactor(secrets)(text);
}

/** Whether redaction changed something in `text` (a claim that is no longer what was said). */
export function isRedacted(text: string): boolean {
  return text.includes('[redacted');
}

/**
 * Provider text fit to keep: secrets redacted (before anything else, so they match as sent),
 * control characters turned into spaces, lone surrogates into U+FFFD (PostgreSQL refuses NUL
 * and malformed UTF-16 would not survive storage), and at most `max` characters.
 */
export function providerText(text: string, redactText: Redactor, max = MAX_PROVIDER_TEXT): string {
  // Redacting costs up to ~0.2 ms per KB of escape-heavy text: look at no more than could
  // reach the kept part once secrets have shrunk to placeholders.
  const clean = redactText(text.length > max * 16 ? text.slice(0, max * 16) : text)
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
