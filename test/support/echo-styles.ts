/**
 * For tests: the ways a hostile or sloppy provider writes back a value it received, none of
 * them a spelling the request used (see secretForms), so only the decoded-view check in
 * redact.ts can catch them. Shared by the unit, wire and end-to-end secret-echo tests.
 */

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

const NAMED: Record<string, string> = {
  '/': 'sol',
  '=': 'equals',
  '%': 'percnt',
  '@': 'commat',
  '+': 'plus',
  ' ': 'nbsp',
  é: 'eacute',
  '€': 'euro',
  ü: 'uuml',
};

/** PHP json_encode's string body: `\/` for `/`, `\u00e9` for anything not ASCII. */
export function phpJson(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/\//g, '\\/')
    .replace(/[^\x00-\x7f]/g, hex4);
}

export const ECHO_STYLES: Readonly<Record<string, (value: string) => string>> = {
  php: phpJson,
  // Python's json.dumps: `\u00e9`, `/` as it is.
  python: (v) =>
    JSON.stringify(v)
      .slice(1, -1)
      .replace(/[^\x00-\x7f]/g, hex4),
  'HTML decimal': (v) => v.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.codePointAt(0)};`),
  'HTML hex': (v) => v.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.codePointAt(0)!.toString(16)};`),
  'HTML named': (v) => v.replace(/[/=%@+ é€ü]/g, (c) => `&${NAMED[c]};`),
  'HTML over PHP': (v) => `&quot;${phpJson(v).replace(/&/g, '&amp;')}&quot;`,
  'percent twice': (v) => encodeURIComponent(encodeURIComponent(v)),
  'percent, lower-case, literal +': (v) =>
    encodeURIComponent(v)
      .replace(/%2B/g, '+')
      .replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
  'partial (last 3 characters cut)': (v) => v.slice(0, -3),
  'Latin-1 mojibake': (v) => Buffer.from(v, 'utf8').toString('latin1'),
  'windows-1252 mojibake': (v) => new TextDecoder('windows-1252').decode(Buffer.from(v, 'utf8')),
};
