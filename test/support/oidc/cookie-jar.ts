interface Cookie {
  name: string;
  value: string;
  path: string;
}

/**
 * Just enough of a browser cookie store for one authorization run against one origin:
 * remembers cookies by name and path, honours deletion, sends those whose path matches.
 * Domain, Secure and SameSite are ignored; everything is on 127.0.0.1 over plain http.
 */
export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  store(setCookieHeaders: readonly string[], requestUrl: URL): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, requestUrl);
      if (cookie === undefined) continue;

      const key = `${cookie.path}\u0000${cookie.name}`;
      if (cookie.value === '' || isExpired(header)) {
        this.#cookies.delete(key);
      } else {
        this.#cookies.set(key, cookie);
      }
    }
  }

  headerFor(url: URL): string {
    return [...this.#cookies.values()]
      .filter((cookie) => pathMatches(url.pathname, cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}

function parseSetCookie(header: string, requestUrl: URL): Cookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) return undefined;

  let path = defaultPath(requestUrl.pathname);
  for (const attribute of attributes) {
    const [name = '', value = ''] = attribute.trim().split('=', 2);
    if (name.toLowerCase() === 'path' && value.startsWith('/')) path = value;
  }

  return { name: pair.slice(0, separator).trim(), value: pair.slice(separator + 1).trim(), path };
}

function isExpired(header: string): boolean {
  const maxAge = /;\s*max-age=(-?\d+)/i.exec(header);
  if (maxAge?.[1] !== undefined) return Number(maxAge[1]) <= 0;

  const expires = /;\s*expires=([^;]+)/i.exec(header);
  if (expires?.[1] !== undefined) return Date.parse(expires[1]) <= Date.now();

  return false;
}

// RFC 6265 §5.1.4
function defaultPath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
