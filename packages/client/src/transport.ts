import {
  ConnectionError,
  errorFromResponse,
  LatchkeyError,
  RateLimitedError,
  ServiceUnavailableError,
} from './errors.ts';
import type { Page, Query } from './types.ts';

export interface RetryOptions {
  /** Give up retrying once this much time has passed since the first attempt; default 10 s. */
  maxElapsedMs?: number;
  /** First backoff step; doubles each attempt (full jitter); default 250 ms. */
  baseDelayMs?: number;
  /** Longest single wait; default 5 s. */
  maxDelayMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  headers: Record<string, string>;
  /** false: never retry. */
  retry: Required<RetryOptions> | false;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** false: throw the first failure instead of retrying it, whatever the client's setting. */
  retry?: boolean;
}

/**
 * HTTP to the API: bearer key, JSON both ways, typed errors, and retries of answers that say
 * "later" (429, 503) with backoff within a bounded time. A GET that got no answer at all is
 * retried too; other methods are not, since the server may have acted on them.
 */
export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const init = this.init(method, options.body);
    const started = Date.now();

    for (let attempt = 0; ; attempt += 1) {
      let error: LatchkeyError;
      try {
        const response = await this.opts.fetch(url, init);
        if (response.ok) return (await readBody(response)) as T;
        error = errorFromResponse(response.status, response.headers, await readBody(response));
      } catch (cause) {
        if (cause instanceof LatchkeyError) throw cause;
        const why = reason(cause);
        const message = `Could not reach Latchkey at ${new URL(url).origin}${why}.`;
        error = new ConnectionError(message, {
          status: 0,
          code: 'connection_failed',
          cause,
        });
      }

      if (options.retry === false) throw error;
      const delay = this.retryDelay(error, method, attempt, started);
      if (delay === null) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Every page of a list, following `page_info.end_cursor` until it is null. */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<Page<T>> {
    const seen = new Set<string>();
    let after = typeof query.after === 'string' ? query.after : undefined;
    for (;;) {
      const page = await this.request<Page<T>>('GET', path, { query: { ...query, after } });
      yield page;

      const next = page.page_info?.end_cursor ?? null;
      if (next === null) return;
      // A server that hands back a cursor it already gave would loop this forever.
      if (seen.has(next)) throw new Error(`The list at ${path} repeated a cursor.`);
      seen.add(next);
      after = next;
    }
  }

  /** Every item of a list, page after page. */
  async *items<T>(path: string, query: Query = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(path, query)) yield* page.data;
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(this.opts.baseUrl.replace(/\/+$/, '') + path);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.href;
  }

  private init(method: string, body: unknown): RequestInit {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.opts.headers,
      authorization: `Bearer ${this.opts.apiKey}`,
    };
    if (body === undefined) return { method, headers };
    headers['content-type'] = 'application/json';
    return { method, headers, body: JSON.stringify(body) };
  }

  /** Milliseconds to wait before trying again, or null to give up and throw. */
  private retryDelay(
    error: LatchkeyError,
    method: string,
    attempt: number,
    started: number,
  ): number | null {
    const retry = this.opts.retry;
    if (!retry) return null;

    const retryable =
      error instanceof RateLimitedError ||
      error instanceof ServiceUnavailableError ||
      (error instanceof ConnectionError && method === 'GET');
    if (!retryable) return null;

    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
    const backoff = Math.random() * ceiling;
    const told = 'retryAfter' in error && typeof error.retryAfter === 'number';
    // The server's Retry-After is a floor: asking sooner would only be refused again.
    const delay = told ? Math.max(backoff, (error.retryAfter as number) * 1000) : backoff;

    const remaining = retry.maxElapsedMs - (Date.now() - started);
    return delay < remaining ? delay : null;
  }
}

/** What lies under fetch's "fetch failed", e.g. ` (ECONNREFUSED)`. */
function reason(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const why = inner?.code ?? inner?.message;
  return typeof why === 'string' ? ` (${why})` : '';
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
