import { useEffect, useId, useState } from 'preact/hooks';
import { api, listAll, type Listed } from '../api.ts';
import { CopyButton } from '../components/copy.tsx';
import { Confirm, Dialog } from '../components/dialog.tsx';
import { Field } from '../components/field.tsx';
import { Empty, ErrorState, FormError, Loading, PartialList } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { exactTime, fromNow, isPast, useTick } from '../time.ts';
import { SCOPES, type ApiKey } from '../types.ts';

/** How long a new key works; `expires_in` in seconds, none for a key that never expires. */
const LIFETIMES = [
  { label: 'Never', seconds: 0 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
  { label: '90 days', seconds: 90 * 86_400 },
  { label: '1 year', seconds: 365 * 86_400 },
] as const;

/**
 * API keys for programs: created with scopes and an optional expiry, the secret shown once,
 * revoked by id. An expired key is listed (until revoked) and marked "Expired" in words.
 */
export function ApiKeysPage() {
  useTick();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [listed, setListed] = useState<Listed<ApiKey> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () => {
    setError(null);
    listAll<ApiKey>('/v1/api_keys')
      .then((list) => {
        setListed(list);
        setKeys(list.items);
      })
      .catch(setError);
  };
  useEffect(load, []);

  const revoke = async (key: ApiKey) => {
    setBusy(true);
    try {
      await api.delete(`/v1/api_keys/${key.id}`);
      setKeys((all) => (all ?? []).filter((k) => k.id !== key.id));
      notify(isolate`Revoked ${key.name}. Programs using it now get 401.`);
      setRevoking(null);
    } catch (err) {
      notify(isolate`Could not revoke ${key.name}: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  const live = keys?.filter((k) => !k.revoked_at) ?? [];

  return (
    <section class="page" aria-labelledby="keys-title">
      <div class="page-head">
        <h1 id="keys-title">API keys</h1>
        {!creating && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        )}
      </div>
      <p class="muted">
        Programs send a key as <code>Authorization: Bearer lk_…</code>. A key acts in this
        workspace, with the scopes it was given.
      </p>
      {creating && (
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(key, value) => {
            setKeys((all) => [key, ...(all ?? [])]);
            setCreating(false);
            setSecret({ name: key.name, secret: value });
          }}
        />
      )}

      {error ? <ErrorState title="Could not load API keys" error={error} onRetry={load} /> : null}
      {!keys && !error && <Loading what="API keys" />}
      <PartialList list={listed} what="API keys">
        These are the newest. Revoke keys that nothing uses any more, or list them all with the API
        (<code>GET /v1/api_keys</code>, following <code>end_cursor</code>).
      </PartialList>
      {keys && live.length === 0 && (
        <Empty title="No API keys">
          <p>
            Create one for each program that reads credentials, so that each can be revoked alone.
          </p>
        </Empty>
      )}
      {live.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {live.map((key) => (
                <tr key={key.id} class={isPast(key.expires_at) ? 'expired' : undefined}>
                  <th scope="row" data-label="Name">
                    <UserText>{key.name}</UserText>
                  </th>
                  <td data-label="Key">
                    <code>{key.prefix ? `${key.prefix}…` : key.id}</code>
                  </td>
                  <td data-label="Scopes">{key.scopes.join(', ')}</td>
                  <td data-label="Created" title={exactTime(key.created_at)}>
                    {fromNow(key.created_at)}
                  </td>
                  <td data-label="Last used" title={exactTime(key.last_used_at)}>
                    {fromNow(key.last_used_at, 'Never')}
                  </td>
                  <td data-label="Expires" title={exactTime(key.expires_at)}>
                    {isPast(key.expires_at) ? (
                      <span class="badge badge-dead">Expired</span>
                    ) : (
                      fromNow(key.expires_at, 'Never')
                    )}
                  </td>
                  <td class="actions">
                    <button type="button" onClick={() => setRevoking(key)}>
                      Revoke
                      <span class="visually-hidden">
                        {' '}
                        <UserText>{key.name}</UserText>
                      </span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {secret && (
        <Dialog title={isolate`Your new key “${secret.name}”`} onClose={() => setSecret(null)}>
          <div class="dialog-body stack">
            <p>
              <strong>Copy it now.</strong> Latchkey stores only a hash of it and cannot show it
              again; if it is lost, revoke it and create another.
            </p>
            <p class="secret-line">
              <code data-testid="new-secret">{secret.secret}</code>
            </p>
            <div class="row-actions">
              <CopyButton value={secret.secret} what="the API key" label="Copy key" />
              <button type="button" class="primary" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        </Dialog>
      )}
      {revoking && (
        <Confirm
          title={isolate`Revoke ${revoking.name}?`}
          action="Revoke key"
          busy={busy}
          onConfirm={() => void revoke(revoking)}
          onClose={() => setRevoking(null)}
        >
          <p>Programs using this key stop working at once. This cannot be undone.</p>
        </Confirm>
      )}
    </section>
  );
}

function CreateKeyForm(props: {
  onCreated: (key: ApiKey, secret: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['accounts:read', 'credentials:read']));
  const [lifetime, setLifetime] = useState(0);
  const lifetimeId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const toggle = (scope: string, on: boolean) => {
    const next = new Set(scopes);
    if (on) next.add(scope);
    else next.delete(scope);
    setScopes(next);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (scopes.size === 0) {
      setError(new Error('Choose at least one scope.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.post<{ data: ApiKey & { secret: string } }>('/v1/api_keys', {
        name: name.trim(),
        scopes: [...scopes],
        ...(lifetime > 0 ? { expires_in: lifetime } : {}),
      });
      const { secret, ...key } = data;
      props.onCreated(key, secret);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form class="card stack" onSubmit={submit} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New API key</h2>
      <Field
        label="Name"
        required
        hint="What uses it, e.g. “billing worker (production)”."
        value={name}
        onValue={setName}
      />
      <div class="field">
        <label for={lifetimeId}>Expires</label>
        <select
          id={lifetimeId}
          value={String(lifetime)}
          aria-describedby={`${lifetimeId}-hint`}
          onChange={(e) => setLifetime(Number((e.target as HTMLSelectElement).value))}
        >
          {LIFETIMES.map((l) => (
            <option key={l.seconds} value={String(l.seconds)}>
              {l.seconds ? `After ${l.label}` : l.label}
            </option>
          ))}
        </select>
        <p id={`${lifetimeId}-hint`} class="hint">
          After this the key stops working (401); create a new one before then.
        </p>
      </div>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label class="choice" key={s.name}>
            <input
              type="checkbox"
              checked={scopes.has(s.name)}
              onChange={(e) => toggle(s.name, (e.target as HTMLInputElement).checked)}
            />
            <span>
              <code>{s.name}</code> <span class="muted small">{s.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <FormError error={error} />
      <div class="row-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}
