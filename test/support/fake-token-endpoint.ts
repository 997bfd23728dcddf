/**
 * A fake OAuth provider on a real port: it answers with recorded responses byte for byte and
 * records every request, so tests exercise the real HTTP client, parsers and headers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** One answer as recorded: status, headers and body as sent on the wire. */
export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  /** May hold `{{now}}`, `{{now+N}}` (epoch seconds) and `{{now_ms}}`, filled when sent. */
  body: string;
  /** Wait this long before answering (races, timeouts). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/token`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** The body as a form, when it is one (token and revocation requests are). */
  form: URLSearchParams;
  grantType: string | null;
  refreshToken: string | null;
  code: string | null;
  /** Decoded `Authorization: Basic`, each part form-decoded (RFC 6749 §2.3.1). */
  basic: { clientId: string; clientSecret: string } | null;
}

/** A queue of answers used in order, or a function of the request. */
export type FakeHandler =
  FakeResponse[] | ((req: RecordedRequest) => FakeResponse | Promise<FakeResponse>);

export interface FakeTokenEndpoint {
  /** The server's origin, e.g. `http://127.0.0.1:41234`; every path is answered. */
  origin: string;
  /** `${origin}/token`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests that arrived after a queue ran dry (each got a 500). */
  unscripted: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /** The fake's clock, epoch ms; used for placeholders. Default Date.now. */
  now?: () => number;
}

export async function startFakeTokenEndpoint(
  handler: FakeHandler,
  options: FakeOptions = {},
): Promise<FakeTokenEndpoint> {
  const now = options.now ?? Date.now;
  const requests: RecordedRequest[] = [];
  const unscripted: RecordedRequest[] = [];
  const queue = Array.isArray(handler) ? [...handler] : null;

  const answer = async (req: RecordedRequest): Promise<FakeResponse> => {
    if (queue === null) {
      return (handler as Exclude<FakeHandler, FakeResponse[]>)(req);
    }

    const next = queue.shift();
    if (next !== undefined) {
      return next;
    }

    unscripted.push(req);
    return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'no scripted answer' };
  };

  const server = createServer((req, res) => {
    void serve(req, res, answer, requests, now);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: `${origin}/token`,
    requests,
    unscripted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  answer: (req: RecordedRequest) => Promise<FakeResponse>,
  requests: RecordedRequest[],
  now: () => number,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }

  const recorded = record(req, Buffer.concat(chunks).toString('utf8'));
  requests.push(recorded);

  let response: FakeResponse;
  try {
    response = await answer(recorded);
  } catch (err) {
    response = { status: 500, headers: {}, body: `fake handler threw: ${String(err)}` };
  }

  if (response.delayMs) {
    await new Promise((resolve) => setTimeout(resolve, response.delayMs));
  }

  if (res.destroyed) {
    return;
  }

  const body = Buffer.from(fillPlaceholders(response.body, now()), 'utf8');
  res.writeHead(response.status, { 'Content-Length': String(body.length), ...response.headers });
  res.end(body);
}

function record(req: IncomingMessage, rawBody: string): RecordedRequest {
  const form = new URLSearchParams(rawBody);
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: { ...req.headers },
    rawBody,
    form,
    grantType: form.get('grant_type'),
    refreshToken: form.get('refresh_token'),
    code: form.get('code'),
    basic: decodeBasic(req.headers.authorization),
  };
}

function decodeBasic(header: string | undefined): RecordedRequest['basic'] {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) {
    return null;
  }

  const pair = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  if (colon < 0) {
    return null;
  }

  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { clientId: decode(pair.slice(0, colon)), clientSecret: decode(pair.slice(colon + 1)) };
}

/** `{{now}}` and `{{now+N}}` are epoch seconds, `{{now_ms}}` epoch ms, by the fake's clock. */
export function fillPlaceholders(body: string, nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000);
  return body
    .replace(/\{\{now_ms\}\}/g, String(nowMs))
    .replace(/\{\{now([+-]\d+)?\}\}/g, (_, offset?: string) =>
      String(seconds + (offset ? Number(offset) : 0)),
    );
}

/** A recorded provider case (see shared/cases/README.md). */
export interface TokenEndpointCase {
  id: string;
  title: string;
  provider: string;
  kind: string[];
  exchange_or_refresh: string;
  preconditions: string;
  response: FakeResponse;
  additional_responses: (FakeResponse & { call: string })[];
  expected: Record<string, unknown>;
}

// shared/ sits beside the repository clone, in development and in CI.
const CASES_URL = new URL('../../../shared/cases/token-endpoint-cases.json', import.meta.url);

/** The recorded cases. Throws when the file is missing: a silent skip would pass CI. */
export function loadCases(path = fileURLToPath(CASES_URL)): TokenEndpointCase[] {
  if (!existsSync(path)) {
    throw new Error(`token-endpoint cases not found at ${path}: shared/ must sit beside the repo`);
  }

  const cases: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new Error(`token-endpoint cases at ${path} are not a non-empty array`);
  }

  return cases as TokenEndpointCase[];
}
