import type { AppDefinition } from '../services/apps.ts';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Latchkey</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}
.ok{color:#1a7f37}.fail{color:#cf222e}
</style></head><body>${body}</body></html>`;
}

/** The plain page shown when a connect attempt ends without a redirect URI. */
export function resultPage(ok: boolean, title: string, message: string, accountId?: string) {
  const id = accountId ? `<p>Account id: <code>${escapeHtml(accountId)}</code></p>` : '';
  return layout(
    title,
    `<h1 class="${ok ? 'ok' : 'fail'}">${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${id}`,
  );
}

/**
 * A connect request that failed before it could end (a missing field, a used link): the
 * reason, and a way back to the form while its link still works.
 */
export function errorPage(title: string, message: string, backTo?: string): string {
  const back = backTo ? `<p><a href="${escapeHtml(backTo)}">Back to the form</a></p>` : '';
  return layout(
    title,
    `<h1 class="fail">${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${back}`,
  );
}

/** The form of a keys app: one input per field, posted back with the connect token. */
export function keysForm(app: AppDefinition, token: string, accountId: string | null): string {
  const inputs = app.fields
    .map(
      (f) => `<label for="f_${escapeHtml(f.name)}"><bdi>${escapeHtml(f.label)}</bdi></label>
<input id="f_${escapeHtml(f.name)}"
 name="${escapeHtml(f.name)}" type="${f.secret ? 'password' : 'text'}"
 autocomplete="off" ${f.optional ? '' : 'required'}>`,
    )
    .join('\n');
  const reconnect = accountId
    ? `<input type="hidden" name="account_id" value="${escapeHtml(accountId)}">`
    : '';
  return layout(
    `Connect ${app.name}`,
    `<h1>Connect <bdi>${escapeHtml(app.name)}</bdi></h1>
<form method="post" action="/v1/connect/link">
<input type="hidden" name="token" value="${escapeHtml(token)}">${reconnect}
${inputs}
<button type="submit">Connect</button>
</form>`,
  );
}
