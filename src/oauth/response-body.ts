/**
 * Reads a token-endpoint body by its Content-Type. RFC 6749 §5.1 says JSON, but GitHub answers
 * form-encoded unless asked otherwise, and some servers label JSON as text/plain. An HTML page
 * is never parsed: it is a WAF, a proxy or a maintenance page, not the provider's answer.
 */
export function parseResponseBody(
  contentType: string | null,
  text: string,
): Record<string, unknown> | null {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();

  if (media === 'application/json' || media.endsWith('+json')) {
    return parseJson(text);
  }

  if (media === 'application/x-www-form-urlencoded') {
    return parseForm(text);
  }

  if (!SNIFFABLE.has(media)) {
    return null;
  }

  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    return parseJson(trimmed);
  }

  return /^[\w.-]+=/.test(trimmed) ? parseForm(trimmed) : null;
}

// Labels under which real providers have sent token bodies; text/html is not among them.
const SNIFFABLE = new Set(['', 'text/plain', 'text/javascript', 'application/javascript']);

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function parseForm(text: string): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(text));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
