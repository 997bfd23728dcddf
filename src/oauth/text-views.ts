/**
 * Decoded views of a text: what a reader gets by undoing the escapes a provider may have put
 * around something it quotes (JSON, HTML, percent-encoding, Latin-1 mojibake), a few rounds
 * and in combination. Used only to look for secrets, so every decoder is tolerant: a broken
 * sequence is kept as it stands or becomes U+FFFD, never an exception.
 */

/** Rounds of decoding, so `&quot;a\/b&quot;` (HTML over JSON) or `%2520` (twice) are undone. */
const MAX_ROUNDS = 3;

const JSON_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(["\\/'bfnrt]))/g;

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * JSON string escapes (`\/`, `\"`, `\\`, `\u00e9`, surrogate pairs as two `\u`), and the
 * `\xe9` of Python and JavaScript literals. One left-to-right pass, so `\\/` is `\` then `/`.
 */
export function unescapeJson(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(JSON_ESCAPE, (_, u: string | undefined, x: string | undefined, c: string) =>
    u !== undefined || x !== undefined
      ? String.fromCharCode(parseInt(u ?? x ?? '', 16))
      : (SIMPLE_ESCAPES[c] ?? c),
  );
}

// Named references a provider's HTML escaper is likely to use. Anything else ASCII still shows
// as numeric references or raw, and the secret windows (redact.ts) match the ASCII runs.
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  // A space rendered as &nbsp; reads as a space.
  nbsp: ' ',
  sol: '/',
  bsol: '\\',
  plus: '+',
  equals: '=',
  percnt: '%',
  commat: '@',
  num: '#',
  excl: '!',
  quest: '?',
  colon: ':',
  semi: ';',
  comma: ',',
  period: '.',
  lpar: '(',
  rpar: ')',
  ast: '*',
  tilde: '~',
  lowbar: '_',
  dollar: '$',
  grave: '`',
  verbar: '|',
  lsqb: '[',
  rsqb: ']',
  lcub: '{',
  rcub: '}',
  hat: '^',
  eacute: 'é',
  egrave: 'è',
  aacute: 'á',
  agrave: 'à',
  ccedil: 'ç',
  ntilde: 'ñ',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  szlig: 'ß',
  euro: '€',
};

const ENTITY = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/g;

/** HTML character references: named common ones, decimal and hex, `;` optional. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    ENTITY,
    (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name !== undefined) {
        return NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()] ?? whole;
      }

      const point = dec !== undefined ? parseInt(dec, 10) : parseInt(hex ?? '', 16);
      return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    },
  );
}

/** Percent-encoding, each run decoded as UTF-8 (invalid bytes become U+FFFD). */
export function percentDecode(text: string, plusIsSpace: boolean): string {
  const spaced = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  if (!spaced.includes('%')) return spaced;
  return spaced.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8');
    }
  });
}

// windows-1252 puts printable characters where Latin-1 has C1 controls; mojibake uses them.
const CP1252: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

const UTF8 = new TextDecoder();

const MOJIBAKE_RUN = new RegExp(`[\\u0080-\\u00ff${Object.keys(CP1252).join('')}]+`, 'g');

/**
 * UTF-8 read as Latin-1 or windows-1252 (`é` shown as `Ã©`, `€` as `â‚¬`), read back as
 * UTF-8. UTF-8 sequences are all non-ASCII bytes, so only runs of such characters change.
 */
export function undoMojibake(text: string): string {
  if (!/[\u00c2-\u00f4]/.test(text)) return text;
  return text.replace(MOJIBAKE_RUN, (run) => {
    const bytes = new Uint8Array(run.length);
    for (let i = 0; i < run.length; i++) bytes[i] = CP1252[run[i]!] ?? run.charCodeAt(i);
    return UTF8.decode(bytes);
  });
}

const percentOnly = (text: string) => percentDecode(text, false);
const percentForm = (text: string) => percentDecode(text, true);

const SINGLE: readonly ((text: string) => string)[] = [
  unescapeJson,
  unescapeHtml,
  percentOnly,
  percentForm,
  undoMojibake,
];

// Two orders, so both JSON inside HTML and HTML inside JSON come apart; each round again, so
// a twice-applied escape (`%2520`, `&amp;quot;`) does too. `+` stays literal in one of them.
const CHAINS: readonly (readonly ((text: string) => string)[])[] = [
  [unescapeHtml, unescapeJson, percentOnly, undoMojibake],
  [unescapeJson, unescapeHtml, percentForm, undoMojibake],
];

/**
 * The text itself, each decoder applied once, then each chain of decoders applied up to
 * MAX_ROUNDS times (every step a view). Lazy, so a caller can stop at a match. Around 30
 * decoder passes at most: a megabyte of escapes costs a fraction of a second, a sentence
 * nothing to speak of.
 */
export function* decodedViews(text: string): Generator<string> {
  yield text;
  for (const decode of SINGLE) {
    const out = decode(text);
    if (out !== text) yield out;
  }

  for (const chain of CHAINS) {
    let view = text;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const start = view;
      for (const decode of chain) {
        const out = decode(view);
        if (out === view) continue;
        view = out;
        yield view;
      }

      if (view === start) break;
    }
  }
}
