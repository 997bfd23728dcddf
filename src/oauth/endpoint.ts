/**
 * Why `url` may not be called, or null when it may. Plain http would send client secrets and
 * tokens in clear (RFC 6749 §3.2 requires TLS), so it is allowed only where an app says so:
 * tests and explicitly configured local providers.
 */
export function endpointProblem(url: string, allowInsecureRequests = false): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the endpoint is not a valid URL';
  }

  if (parsed.protocol === 'https:') {
    return null;
  }

  if (parsed.protocol === 'http:' && allowInsecureRequests) {
    return null;
  }

  return `the endpoint must use https (got ${parsed.protocol})`;
}
