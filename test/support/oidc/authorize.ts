import { CookieJar } from './cookie-jar.ts';

const MAX_REDIRECTS = 10;

/**
 * Plays the browser for one authorization request: starting from the provider's `/auth` URL,
 * follows its redirects through the fixture's login and consent route, and returns the final
 * redirect to the client's `redirect_uri` (with `code` and `state`) without requesting it.
 * Throws when the provider redirects back with an error or stops with a page instead of a
 * redirect (for example an unregistered `redirect_uri`).
 */
export async function completeAuthorization(authorizeUrl: string): Promise<string> {
  const jar = new CookieJar();
  const start = new URL(authorizeUrl);
  const redirectUri = start.searchParams.get('redirect_uri');
  let url = start;

  for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: jar.headerFor(url) },
    });
    jar.store(response.headers.getSetCookie(), url);

    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      const body = (await response.text()).slice(0, 500);
      throw new Error(
        `authorization stopped at ${url.pathname} with HTTP ${response.status}: ${body}`,
      );
    }
    await response.body?.cancel();

    const next = new URL(location, url);
    if (isClientRedirect(next, redirectUri, start)) {
      assertNoError(next);
      return next.href;
    }

    url = next;
  }

  throw new Error(`authorization did not reach the redirect_uri in ${MAX_REDIRECTS} redirects`);
}

function isClientRedirect(next: URL, redirectUri: string | null, start: URL): boolean {
  if (redirectUri === null) return next.origin !== start.origin;

  const expected = new URL(redirectUri);
  return next.origin === expected.origin && next.pathname === expected.pathname;
}

// RFC 6749 §4.1.2.1
function assertNoError(redirect: URL): void {
  const error = redirect.searchParams.get('error');
  if (error === null) return;

  const description = redirect.searchParams.get('error_description');
  throw new Error(
    `authorization failed: ${error}${description === null ? '' : ` (${description})`}`,
  );
}
