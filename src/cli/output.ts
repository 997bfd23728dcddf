import { LatchkeyError } from '../../packages/client/src/index.ts';
import { CliError, exitCodeFor } from './exit-codes.ts';

type Colour = 'red' | 'green' | 'yellow' | 'dim' | 'bold';
const codes: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export interface OutputOptions {
  json: boolean;
  /** commander's `--no-color`. */
  color: boolean;
}

/**
 * Where a command's results go: tables and sentences for people, JSON for scripts. Results go
 * to stdout; progress, hints and errors go to stderr, so `--json` output stays parseable.
 * Colour only on a terminal, and never when NO_COLOR is set.
 */
export class Output {
  readonly json: boolean;
  private readonly colourOut: boolean;
  private readonly colourErr: boolean;

  constructor(opts: OutputOptions, env = process.env) {
    this.json = opts.json;
    const allowed = opts.color && !env.NO_COLOR && env.TERM !== 'dumb';
    this.colourOut = allowed && process.stdout.isTTY === true;
    this.colourErr = allowed && process.stderr.isTTY === true;
    ignoreClosedPipe();
  }

  paint(text: string, colour: Colour, stream: 'out' | 'err' = 'out'): string {
    const on = stream === 'out' ? this.colourOut : this.colourErr;
    if (!on) return text;
    const [open, close] = codes[colour];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /**
   * One result line on stdout. Its text is made safe for a terminal (see `visible`); give
   * coloured parts as cells, so that only our own escape sequences reach the terminal.
   */
  line(text: string | Array<string | Cell> = ''): void {
    const parts = typeof text === 'string' ? [text] : text;
    const rendered = parts.map((part) =>
      typeof part === 'string'
        ? visible(part)
        : part.colour
          ? this.paint(visible(part.text), part.colour)
          : visible(part.text),
    );
    process.stdout.write(`${rendered.join('')}\n`);
  }

  /** A hint or progress line on stderr (never part of the result). */
  note(text: string): void {
    process.stderr.write(`${this.paint(visible(text), 'dim', 'err')}\n`);
  }

  /** Something the user should act on, though the command did what it was asked (stderr). */
  warn(text: string): void {
    process.stderr.write(`${this.paint('warning:', 'yellow', 'err')} ${visible(text)}\n`);
  }

  printJson(value: unknown): void {
    process.stdout.write(`${json(value, 2)}\n`);
  }

  /** One JSON value on one line (JSON Lines, for streams such as `audit tail --follow`). */
  jsonLine(value: unknown): void {
    process.stdout.write(`${json(value)}\n`);
  }

  /** Columns padded to their widest cell; an empty list says so on stderr. */
  table(headers: string[], rows: Array<Array<string | Cell>>): void {
    if (rows.length === 0) {
      this.note('(none)');
      return;
    }
    const text = (cell: string | Cell) => visible(typeof cell === 'string' ? cell : cell.text);
    const widths = headers.map((header, i) =>
      Math.max(header.length, ...rows.map((row) => text(row[i] ?? '').length)),
    );
    const render = (cells: Array<string | Cell>, header = false) =>
      cells
        .map((cell, i) => {
          const padded = text(cell).padEnd(i === cells.length - 1 ? 0 : widths[i]!);
          if (header) return this.paint(padded, 'bold');
          return typeof cell === 'string' || !cell.colour
            ? padded
            : this.paint(padded, cell.colour);
        })
        .join('  ')
        .trimEnd();
    process.stdout.write(`${render(headers, true)}\n`);
    for (const row of rows) process.stdout.write(`${render(row)}\n`);
  }

  /** `key  value` lines for one object. */
  fields(pairs: Array<[string, string | Cell]>): void {
    const width = Math.max(...pairs.map(([key]) => visible(key).length));
    for (const [key, value] of pairs) {
      const cell = typeof value === 'string' ? { text: value } : value;
      this.line([{ text: visible(key).padEnd(width), colour: 'bold' }, '  ', cell]);
    }
  }

  /** Prints an error the way the user can act on, and returns the exit code for it. */
  fail(error: unknown): number {
    const code = exitCodeFor(error);
    if (this.json) {
      const body =
        error instanceof LatchkeyError
          ? {
              error: error.message,
              code: error.code,
              status: error.status,
              request_id: error.requestId,
            }
          : { error: error instanceof Error ? error.message : String(error), code: 'cli_error' };
      const hint = hintFor(error);
      process.stderr.write(`${json(hint ? { ...body, hint } : body)}\n`);
      return code;
    }

    let message = visible(error instanceof Error ? error.message : String(error));
    if (error instanceof LatchkeyError && error.status > 0) {
      const id = error.requestId ? `, request ${visible(error.requestId)}` : '';
      message += this.paint(` (${visible(error.code)}${id})`, 'dim', 'err');
    }
    const hint = hintFor(error);
    if (hint) message += `\n${this.paint('hint:', 'yellow', 'err')} ${hint}`;
    if (
      !(error instanceof LatchkeyError) &&
      !(error instanceof CliError) &&
      error instanceof Error
    ) {
      message += `\n${error.stack ?? ''}`;
    }
    process.stderr.write(`${this.paint('error:', 'red', 'err')} ${message}\n`);
    return code;
  }
}

/**
 * Text from a server (names, ids, error messages) made harmless for a terminal: C0 and C1
 * control characters, DEL and the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069)
 * become visible escapes such as `\u001b`, so that data cannot clear the screen, recolour or
 * reorder what is shown, or forge lines.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, escape);
}

const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Exact JSON. JSON.stringify already escapes U+0000–U+001F; DEL and the C1 controls are escaped
 * too (`\u009b` is a CSI to some terminals). The value parses back unchanged.
 */
function json(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, escape);
}

/** What to do about an error whose message alone does not say. */
function hintFor(error: unknown): string | null {
  if (!(error instanceof LatchkeyError)) return null;
  if (error.code === 'discovery_failed') {
    return (
      'The Latchkey server could not read the issuer’s /.well-known/openid-configuration. ' +
      'Check that --issuer is right and reachable from the server (not only from here), or ' +
      'give --authorization-url and --token-url instead.'
    );
  }
  return null;
}

let pipeGuarded = false;

/** `latchkey accounts list | head`: a reader that stops early is not an error. */
function ignoreClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

export interface Cell {
  text: string;
  colour?: Colour;
}

/** "in 5m", "3h ago": a timestamp relative to now, for tables. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  const [size, unit] = units.find(([size]) => abs >= size) ?? [1000, 's'];
  const amount = `${Math.floor(abs / size)}${unit}`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** A spinner-free progress line on stderr, redrawn in place on a terminal only. */
export class Progress {
  private shown = false;

  update(text: string): void {
    if (!process.stderr.isTTY) return;
    process.stderr.write(`\r\u001b[2K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\u001b[2K');
    this.shown = false;
  }
}
