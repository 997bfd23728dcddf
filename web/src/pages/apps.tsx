import { useEffect, useState } from 'preact/hooks';
import { api, listAll, type Listed } from '../api.ts';
import { AppAvatar } from '../components/avatar.tsx';
import { Confirm } from '../components/dialog.tsx';
import { OAuthClientForm } from '../components/oauth-client-form.tsx';
import { Empty, ErrorState, Loading, PartialList } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { Link } from '../router.tsx';
import type { App, OAuthClient } from '../types.ts';
import { CustomAppForm } from './custom-app-form.tsx';

/** The catalog and the workspace's custom apps, each with its OAuth clients. */
export function AppsPage() {
  const [apps, setApps] = useState<App[] | null>(null);
  const [clients, setClients] = useState<OAuthClient[]>([]);
  const [listed, setListed] = useState<[Listed<App>, Listed<OAuthClient>] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);

  const load = async () => {
    setError(null);
    try {
      const [a, c] = await Promise.all([
        listAll<App>('/v1/apps'),
        listAll<OAuthClient>('/v1/oauth_apps'),
      ]);
      setListed([a, c]);
      setApps(a.items);
      setClients(c.items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), []);

  const custom = apps?.filter((a) => a.custom) ?? [];
  const catalog = apps?.filter((a) => !a.custom) ?? [];
  const props = {
    clients,
    onClient: (c: OAuthClient) => setClients([...clients, c]),
    onClientGone: (id: string) => setClients(clients.filter((c) => c.id !== id)),
    onAppGone: (id: string) => setApps((apps ?? []).filter((a) => a.id !== id)),
  };

  return (
    <section class="page" aria-labelledby="apps-title">
      <div class="page-head">
        <h1 id="apps-title">Apps and OAuth clients</h1>
        {!adding && (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add a custom app
          </button>
        )}
      </div>
      {adding && (
        <CustomAppForm
          onCancel={() => setAdding(false)}
          onCreated={(app) => {
            setApps([...(apps ?? []), app]);
            setAdding(false);
            notify(isolate`Added ${app.name}. Add its OAuth client below to connect accounts.`);
          }}
        />
      )}

      {error ? <ErrorState title="Could not load apps" error={error} onRetry={load} /> : null}
      {!apps && !error && <Loading what="apps" />}
      <PartialList list={listed?.[0] ?? null} what="apps">
        Delete custom apps that nothing uses, or list them all with the API (
        <code>GET /v1/apps</code>).
      </PartialList>
      <PartialList list={listed?.[1] ?? null} what="OAuth clients">
        Apps may miss some of their clients here. Delete clients that nothing uses, or list them all
        with the API (<code>GET /v1/oauth_apps</code>).
      </PartialList>
      {apps && (
        <>
          <h2>Custom apps</h2>
          {custom.length === 0 ? (
            <Empty title="No custom apps">
              <p>
                Add any OAuth 2.0 provider or OpenID Connect issuer that the catalog lacks, or an
                app that takes an API key.
              </p>
            </Empty>
          ) : (
            <ul class="app-list">
              {custom.map((app) => (
                <AppItem key={app.id} app={app} {...props} />
              ))}
            </ul>
          )}
          <h2>Catalog</h2>
          <ul class="app-list">
            {catalog.map((app) => (
              <AppItem key={app.id} app={app} {...props} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function AppItem(props: {
  app: App;
  clients: OAuthClient[];
  onClient: (client: OAuthClient) => void;
  onClientGone: (id: string) => void;
  onAppGone: (id: string) => void;
}) {
  const { app } = props;
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<OAuthClient | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const mine = props.clients.filter(
    (c) => c.app.id === app.id || c.app.name_slug === app.name_slug,
  );

  const remove = async (client: OAuthClient) => {
    setBusy(true);
    try {
      await api.delete(`/v1/oauth_apps/${client.id}`);
      props.onClientGone(client.id);
      notify(isolate`Deleted OAuth client ${client.client_id}.`);
      setRemoving(null);
    } catch (error) {
      notify(isolate`Could not delete the OAuth client: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  const deleteApp = async () => {
    setBusy(true);
    try {
      await api.delete(`/v1/apps/${app.id}`);
      setDeleting(false);
      props.onAppGone(app.id);
      notify(isolate`Deleted ${app.name}.`);
    } catch (error) {
      notify(isolate`Could not delete ${app.name}: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class="card app-item">
      <div class="app-item-head">
        <AppAvatar name={app.name} slug={app.name_slug} />
        <div>
          <h3>
            <UserText>{app.name}</UserText>
          </h3>
          <p class="muted small">
            <code>
              <UserText>{app.name_slug}</UserText>
            </code>{' '}
            · {app.auth_type === 'oauth' ? 'OAuth' : app.auth_type}
            {app.oauth?.issuer ? isolate` · issuer ${app.oauth.issuer}` : ''}
          </p>
        </div>
        <Link href={`/connect?app=${encodeURIComponent(app.name_slug)}`} class="button">
          Connect
        </Link>
        {app.custom && (
          <button type="button" onClick={() => setDeleting(true)}>
            Delete
            <span class="visually-hidden">{isolate` app ${app.name}`}</span>
          </button>
        )}
      </div>
      {app.custom && app.oauth && (
        <dl class="facts small">
          <dt>Authorization</dt>
          <dd>
            <UserText>{app.oauth.authorization_url}</UserText>
          </dd>
          <dt>Token</dt>
          <dd>
            <UserText>{app.oauth.token_url}</UserText>
          </dd>
          {app.oauth.userinfo_url && (
            <>
              <dt>User info</dt>
              <dd>
                <UserText>{app.oauth.userinfo_url}</UserText>
              </dd>
            </>
          )}
        </dl>
      )}
      {app.auth_type === 'oauth' && (
        <div class="clients">
          {mine.length === 0 ? (
            <p class="muted small">
              {isolate`No OAuth client yet: add one to connect ${app.name} accounts.`}
            </p>
          ) : (
            <ul class="plain">
              {mine.map((c) => (
                <li key={c.id} class="client-line">
                  <span>
                    Client{' '}
                    <code>
                      <UserText>{c.client_id}</UserText>
                    </code>
                    {c.scopes.length > 0 && (
                      <span class="muted small">
                        {' '}
                        · <UserText>{c.scopes.join(' ')}</UserText>
                      </span>
                    )}
                  </span>
                  <button type="button" onClick={() => setRemoving(c)}>
                    Delete
                    <span class="visually-hidden">{isolate` OAuth client ${c.client_id}`}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {adding ? (
            <OAuthClientForm
              app={app}
              onCancel={() => setAdding(false)}
              onCreated={(client) => {
                props.onClient(client);
                setAdding(false);
                notify(isolate`Saved OAuth client ${client.client_id} for ${app.name}.`);
              }}
            />
          ) : (
            <button type="button" onClick={() => setAdding(true)}>
              Add OAuth client
              <span class="visually-hidden">{isolate` for ${app.name}`}</span>
            </button>
          )}
        </div>
      )}
      {deleting && (
        <Confirm
          title={isolate`Delete ${app.name}?`}
          action="Delete app"
          busy={busy}
          onConfirm={() => void deleteApp()}
          onClose={() => setDeleting(false)}
        >
          <p>
            Only an app that no account, OAuth client or unused connect link uses can be deleted;
            its slug is then free to use again.
          </p>
        </Confirm>
      )}
      {removing && (
        <Confirm
          title="Delete this OAuth client?"
          action="Delete OAuth client"
          busy={busy}
          onConfirm={() => void remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            New connections can no longer use client{' '}
            <code>
              <UserText>{removing.client_id}</UserText>
            </code>
            . Accounts connected through it may stop refreshing.
          </p>
        </Confirm>
      )}
    </li>
  );
}
