import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { App, OAuthClient } from '../types.ts';
import { CopyButton } from './copy.tsx';
import { Field } from './field.tsx';
import { FormError } from './states.tsx';
import { UserText } from './user-text.tsx';

export const callbackUrl = () => `${location.origin}/v1/connect/callback`;

/** Registers the workspace's own OAuth client (client ID and secret) for an app. */
export function OAuthClientForm(props: {
  app: App;
  onCreated: (client: OAuthClient) => void;
  onCancel?: () => void;
}) {
  const { app } = props;
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [scopes, setScopes] = useState((app.oauth?.default_scopes ?? []).join(' '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.post<{ data: OAuthClient }>('/v1/oauth_apps', {
        app: app.name_slug,
        client_id: clientId.trim(),
        ...(secret ? { client_secret: secret } : {}),
        scopes: scopes.split(/[\s,]+/).filter(Boolean),
      });
      props.onCreated(data);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form class="stack card" onSubmit={submit} aria-label={`New OAuth client for ${app.name}`}>
      <p>
        Register an OAuth application at <UserText>{app.name}</UserText> with this redirect URI,
        then paste its client ID and secret here:
      </p>
      <p class="copy-line">
        <code>{callbackUrl()}</code>
        <CopyButton value={callbackUrl()} what="the redirect URI" label="Copy redirect URI" />
      </p>
      <Field label="Client ID" required autoComplete="off" value={clientId} onValue={setClientId} />
      <Field
        label="Client secret"
        type="password"
        autoComplete="off"
        hint="Stored encrypted; Latchkey never shows it again. Leave empty for a public client."
        value={secret}
        onValue={setSecret}
      />
      <Field
        label="Scopes"
        hint="Separated by spaces. Leave as is to use the app's defaults."
        value={scopes}
        onValue={setScopes}
      />
      <FormError error={error} />
      <div class="row-actions">
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save OAuth client'}
        </button>
      </div>
    </form>
  );
}
