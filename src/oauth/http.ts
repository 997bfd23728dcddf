import type { WireOptions } from './types.ts';

/** The default budget for one request to a provider, body included. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The largest answer read from a provider. Token, userinfo and discovery answers are a few
 * kilobytes; a proxy or a broken endpoint streaming more must not grow our memory unbounded.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What came back, or why nothing did. */
export type HttpResult =
  | { ok: true; status: number; headers: Headers; body: string; receivedAt: number }
  | { ok: false; reason: 'timeout' | 'network_error'; description: string };

/**
 * One HTTP exchange with a provider, with a timeout that covers reading the body too.
 * Redirects are not followed: a token endpoint that redirects is misconfigured or fronted by
 * a login page, and following it would resend the request body to another place.
 */
export async function send(url: string, init: RequestInit, opts: WireOptions): Promise<HttpResult> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  try {
    const response = await doFetch(url, { ...init, redirect: 'manual', signal });
    const body = await readCapped(response, MAX_BODY_BYTES);
    if (body === null) {
      return {
        ok: false,
        reason: 'network_error',
        description: `the answer was larger than ${MAX_BODY_BYTES} bytes`,
      };
    }

    return {
      ok: true,
      status: response.status,
      headers: response.headers,
      body,
      receivedAt: now(),
    };
  } catch (cause) {
    return failure(cause);
  }
}

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
async function readCapped(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// The message names the failure and its system code, never the request (which holds secrets).
function failure(cause: unknown): HttpResult {
  const name = cause instanceof Error ? cause.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { ok: false, reason: 'timeout', description: 'the provider did not answer in time' };
  }

  const code = systemCode(cause);
  const description = code === null ? 'the request failed' : `the request failed: ${code}`;
  return { ok: false, reason: 'network_error', description };
}

// undici wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
function systemCode(cause: unknown): string | null {
  const inner = cause instanceof Error ? cause.cause : undefined;
  if (typeof inner !== 'object' || inner === null || !('code' in inner)) {
    return null;
  }

  return typeof inner.code === 'string' ? inner.code : null;
}
