import type { WireOptions } from './types.ts';

/** The default budget for one request to a provider, body included. */
export const DEFAULT_TIMEOUT_MS = 15_000;

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
    // TODO(first provider seen streaming junk): cap the body size, because text() buffers
    // whatever arrives until the timeout; token answers are a few kilobytes.
    const body = await response.text();

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
