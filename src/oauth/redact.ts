const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every occurrence of the secrets we sent (client secret, code, refresh token) in
 * text that came back from a provider. Some providers echo the rejected token in their
 * error_description, and ProviderError values end up in logs and API answers.
 */
export function redact(text: string, secrets: readonly string[]): string {
  // Longest first, so a secret that contains another is replaced whole. Values shorter than
  // MIN_SECRET_LENGTH are no real credential, and replacing them would mangle ordinary words.
  const ordered = secrets
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);

  let out = text;
  for (const secret of ordered) {
    out = out.split(secret).join('[redacted]');
  }

  return out;
}

/** Secret-looking keys, at any depth, dropped from metadata kept beside the tokens. */
const SECRET_KEY = /token|secret|password|signature|credential|^code$|(^|_)key$/i;

/**
 * A copy of `value` without secret-looking keys (Slack nests a user token in `authed_user`)
 * and with `secrets` redacted from strings under any other key. The key pattern alone is a
 * deny-list and would miss a provider's new name; the redaction catches the tokens we know.
 */
export function sanitize(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    return redact(value, secrets);
  }

  if (Array.isArray(value)) {
    return value.map((item) => sanitize(item, secrets));
  }

  if (typeof value !== 'object' || value === null) {
    return value;
  }

  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!SECRET_KEY.test(key)) {
      out[key] = sanitize(inner, secrets);
    }
  }

  return out;
}
