/** An HTTP answer with its body parsed as JSON when it is JSON, else kept as text. */
export interface JsonAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * One request to a test server: JSON in (when `body` is given) and out, redirects not
 * followed, so tests see exactly what the server answered.
 */
export async function requestJson(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const all = { ...headers };
  if (body !== undefined) all['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers: all,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (an HTML page): keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
