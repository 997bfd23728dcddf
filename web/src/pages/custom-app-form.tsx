import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/states.tsx';
import type { App, AppField } from '../types.ts';

type Mode = 'issuer' | 'manual';

const slugify = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

/**
 * A custom app: an OAuth provider found by OIDC discovery from its issuer URL (the server
 * fetches the issuer's metadata), one described by hand, or an app that takes keys.
 */
export function CustomAppForm(props: { onCreated: (app: App) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [authType, setAuthType] = useState<'oauth' | 'keys'>('oauth');
  const [mode, setMode] = useState<Mode>('issuer');
  const [issuer, setIssuer] = useState('');
  const [authorizationUrl, setAuthorizationUrl] = useState('');
  const [tokenUrl, setTokenUrl] = useState('');
  const [userinfoUrl, setUserinfoUrl] = useState('');
  const [scopes, setScopes] = useState('openid email profile offline_access');
  const [pkce, setPkce] = useState(true);
  const [authMethod, setAuthMethod] = useState('client_secret_basic');
  const [fields, setFields] = useState<AppField[]>([
    { name: 'api_key', label: 'API key', secret: true },
  ]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const oauthBody = () => {
    const defaultScopes = scopes.split(/[\s,]+/).filter(Boolean);
    if (mode === 'issuer') return { issuer: issuer.trim(), default_scopes: defaultScopes };
    return {
      authorization_url: authorizationUrl.trim(),
      token_url: tokenUrl.trim(),
      ...(userinfoUrl.trim() ? { userinfo_url: userinfoUrl.trim() } : {}),
      token_auth_method: authMethod,
      pkce,
      default_scopes: defaultScopes,
    };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.post<{ data: App }>('/v1/apps', {
        name: name.trim(),
        name_slug: slug || slugify(name),
        auth_type: authType,
        ...(authType === 'oauth' ? { oauth: oauthBody() } : { fields }),
      });
      props.onCreated(data);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const setField = (index: number, change: Partial<AppField>) =>
    setFields(fields.map((f, i) => (i === index ? { ...f, ...change } : f)));

  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="custom-app-title">
      <h2 id="custom-app-title">Add a custom app</h2>
      <Field label="Name" required value={name} onValue={setName} placeholder="Acme" />
      <Field
        label="Slug"
        hint="Lowercase letters, digits and dashes; used in the API (app=acme)."
        pattern="[a-z0-9][a-z0-9_\-]{1,62}"
        value={slug || slugify(name)}
        onValue={setSlug}
      />
      <fieldset>
        <legend>How accounts connect</legend>
        <label class="choice">
          <input
            type="radio"
            name="auth"
            checked={authType === 'oauth'}
            onChange={() => setAuthType('oauth')}
          />
          <span>OAuth 2.0 or OpenID Connect</span>
        </label>
        <label class="choice">
          <input
            type="radio"
            name="auth"
            checked={authType === 'keys'}
            onChange={() => setAuthType('keys')}
          />
          <span>The user pastes an API key or other fields</span>
        </label>
      </fieldset>

      {authType === 'oauth' && (
        <>
          <fieldset>
            <legend>Provider endpoints</legend>
            <label class="choice">
              <input
                type="radio"
                name="mode"
                checked={mode === 'issuer'}
                onChange={() => setMode('issuer')}
              />
              <span>Discover them from an OpenID Connect issuer URL</span>
            </label>
            <label class="choice">
              <input
                type="radio"
                name="mode"
                checked={mode === 'manual'}
                onChange={() => setMode('manual')}
              />
              <span>Enter them by hand</span>
            </label>
          </fieldset>
          {mode === 'issuer' ? (
            <Field
              label="Issuer URL"
              type="url"
              required
              hint="Latchkey reads <issuer>/.well-known/openid-configuration when you save."
              placeholder="https://login.example.com"
              value={issuer}
              onValue={setIssuer}
            />
          ) : (
            <>
              <Field
                label="Authorization URL"
                type="url"
                required
                value={authorizationUrl}
                onValue={setAuthorizationUrl}
              />
              <Field label="Token URL" type="url" required value={tokenUrl} onValue={setTokenUrl} />
              <Field
                label="User info URL (optional)"
                type="url"
                value={userinfoUrl}
                onValue={setUserinfoUrl}
              />
              <label class="field-inline">
                <span>Client authentication</span>
                <select
                  value={authMethod}
                  onChange={(e) => setAuthMethod((e.target as HTMLSelectElement).value)}
                >
                  <option value="client_secret_basic">HTTP Basic (client_secret_basic)</option>
                  <option value="client_secret_post">In the body (client_secret_post)</option>
                </select>
              </label>
              <label class="choice">
                <input
                  type="checkbox"
                  checked={pkce}
                  onChange={(e) => setPkce((e.target as HTMLInputElement).checked)}
                />
                <span>Use PKCE (S256)</span>
              </label>
            </>
          )}
          <Field
            label="Default scopes"
            hint="Separated by spaces."
            value={scopes}
            onValue={setScopes}
          />
        </>
      )}

      {authType === 'keys' && (
        <fieldset>
          <legend>Fields to ask for</legend>
          {fields.map((f, i) => (
            <div class="field-row" key={i}>
              <Field
                label={`Field ${i + 1} name`}
                required
                value={f.name}
                onValue={(v) => setField(i, { name: v })}
              />
              <Field
                label={`Field ${i + 1} label`}
                required
                value={f.label}
                onValue={(v) => setField(i, { label: v })}
              />
              <label class="choice">
                <input
                  type="checkbox"
                  checked={f.secret !== false}
                  onChange={(e) => setField(i, { secret: (e.target as HTMLInputElement).checked })}
                />
                <span>Secret</span>
              </label>
            </div>
          ))}
          <button
            type="button"
            onClick={() => setFields([...fields, { name: '', label: '', secret: true }])}
          >
            Add a field
          </button>
        </fieldset>
      )}

      <FormError error={error} />
      <div class="row-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy
            ? mode === 'issuer' && authType === 'oauth'
              ? 'Discovering…'
              : 'Saving…'
            : 'Add app'}
        </button>
      </div>
    </form>
  );
}
