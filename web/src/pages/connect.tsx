import { useEffect, useState } from 'preact/hooks';
import { api, listAll, query, type Listed } from '../api.ts';
import { startConnect } from '../connect-flow.ts';
import { AppAvatar } from '../components/avatar.tsx';
import { OAuthClientForm } from '../components/oauth-client-form.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { Empty, ErrorState, FormError, Loading, PartialList } from '../components/states.tsx';
import { Link, navigate, type Place } from '../router.tsx';
import type { App, OAuthClient } from '../types.ts';

/** Connect an account: pick an app, pick or add its OAuth client, go to the provider. */
export function ConnectPage({ place }: { place: Place }) {
  const [apps, setApps] = useState<App[] | null>(null);
  const [listed, setListed] = useState<Listed<App> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [search, setSearch] = useState('');
  // An app past the list's cap is looked up by its slug, so that /connect?app= still works.
  const [beyond, setBeyond] = useState<App | null>(null);
  const wanted = place.params.get('app');
  const chosen =
    apps?.find((a) => a.name_slug === wanted) ?? (beyond?.name_slug === wanted ? beyond : null);

  const load = () => {
    setError(null);
    listAll<App>('/v1/apps')
      .then((list) => {
        setListed(list);
        setApps(list.items);
      })
      .catch(setError);
  };
  useEffect(load, []);
  useEffect(() => {
    if (!wanted || !listed?.truncated || listed.items.some((a) => a.name_slug === wanted)) return;
    api
      .get<{ data: App }>(`/v1/apps/${encodeURIComponent(wanted)}`)
      .then(({ data }) => setBeyond(data))
      .catch(() => setBeyond(null));
  }, [wanted, listed]);

  if (error) return <ErrorState title="Could not load apps" error={error} onRetry={load} />;
  if (!apps) return <Loading what="apps" />;
  if (chosen) return <ConnectApp app={chosen} />;

  const needle = search.trim().toLowerCase();
  const shown = apps.filter((a) => `${a.name} ${a.name_slug}`.toLowerCase().includes(needle));

  return (
    <section class="page" aria-labelledby="connect-title">
      <div class="page-head">
        <h1 id="connect-title">Connect an account</h1>
      </div>
      <p>Choose the app the account belongs to.</p>
      <PartialList list={listed} what="apps">
        Search looks only at these. To connect an account of another app, open{' '}
        <code>/connect?app=</code> followed by its slug.
      </PartialList>
      <label class="field-inline wide">
        <span>Search apps</span>
        <input
          type="search"
          placeholder="GitHub, Slack, your own app…"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
      </label>
      {shown.length === 0 ? (
        <Empty title={apps.length === 0 ? 'No apps yet' : isolate`No app matches “${search}”`}>
          <p>
            Any OAuth 2.0 provider or OpenID Connect issuer can be added as a custom app.{' '}
            <Link href="/apps">Add a custom app</Link>.
          </p>
        </Empty>
      ) : (
        <ul class="app-grid">
          {shown.map((app) => (
            <li key={app.id}>
              <button
                type="button"
                class="app-card"
                onClick={() => navigate(`/connect?app=${encodeURIComponent(app.name_slug)}`)}
              >
                <AppAvatar name={app.name} slug={app.name_slug} />
                <span>
                  <strong>
                    <UserText>{app.name}</UserText>
                  </strong>
                  <span class="muted small">
                    {app.custom ? 'Custom app' : 'Catalog'} · {authLabel(app)}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const authLabel = (app: App) =>
  app.auth_type === 'oauth' ? 'OAuth' : app.auth_type === 'keys' ? 'API key or fields' : 'No auth';

function ConnectApp({ app }: { app: App }) {
  const [clients, setClients] = useState<OAuthClient[] | null>(null);
  const [listed, setListed] = useState<Listed<OAuthClient> | null>(null);
  const [picked, setPicked] = useState<string>('');
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [going, setGoing] = useState(false);
  const oauth = app.auth_type === 'oauth';

  const load = () => {
    if (!oauth) return;
    setError(null);
    listAll<OAuthClient>(`/v1/oauth_apps${query({ app: app.name_slug })}`)
      .then((list) => {
        const data = list.items;
        setListed(list);
        setClients(data);
        setPicked(data[0]?.id ?? '');
        setAdding(data.length === 0);
      })
      .catch(setError);
  };
  useEffect(load, [app.id]);

  const go = async () => {
    setGoing(true);
    setError(null);
    try {
      await startConnect({ app: app.name_slug, oauthAppId: oauth ? picked : null });
    } catch (err) {
      setError(err);
      setGoing(false);
    }
  };

  return (
    <section class="page" aria-labelledby="connect-app-title">
      <p>
        <Link href="/connect">← All apps</Link>
      </p>
      <div class="page-head">
        <h1 id="connect-app-title" class="with-avatar">
          <AppAvatar name={app.name} slug={app.name_slug} /> Connect <UserText>{app.name}</UserText>
        </h1>
      </div>

      {oauth && !clients && !error && <Loading what="OAuth clients" />}
      <PartialList list={listed} what="OAuth clients">
        Delete clients of this app that nothing uses under <Link href="/apps">Apps</Link>.
      </PartialList>
      {oauth && clients && clients.length > 0 && (
        <fieldset class="card">
          <legend>OAuth client</legend>
          {clients.map((c) => (
            <label class="choice" key={c.id}>
              <input
                type="radio"
                name="oauth-client"
                value={c.id}
                checked={picked === c.id}
                onChange={() => setPicked(c.id)}
              />
              <span>
                <code>
                  <UserText>{c.client_id}</UserText>
                </code>{' '}
                <span class="muted small">
                  {c.scopes.length ? <UserText>{c.scopes.join(' ')}</UserText> : 'default scopes'}
                </span>
              </span>
            </label>
          ))}
          {!adding && (
            <button type="button" onClick={() => setAdding(true)}>
              Add another OAuth client
            </button>
          )}
        </fieldset>
      )}
      {oauth && clients && adding && (
        <OAuthClientForm
          app={app}
          onCreated={(client) => {
            setClients([...(clients ?? []), client]);
            setPicked(client.id);
            setAdding(false);
          }}
          onCancel={clients.length > 0 ? () => setAdding(false) : undefined}
        />
      )}
      {!oauth && (
        <p>
          <UserText>{app.name}</UserText>
          {app.auth_type === 'keys'
            ? ' uses keys instead of OAuth: the next page asks for them, and Latchkey ' +
              'stores them encrypted.'
            : ' needs no credentials; the account records who it belongs to.'}
        </p>
      )}

      <FormError error={error} />
      <div class="row-actions">
        <button
          type="button"
          class="primary"
          disabled={going || (oauth && (!picked || adding))}
          onClick={() => void go()}
        >
          {going ? 'Opening…' : oauth ? isolate`Continue to ${app.name}` : 'Continue'}
        </button>
      </div>
      {oauth && (
        <p class="muted small">
          You sign in at <UserText>{app.name}</UserText> and grant access; you then come back here
          with the new account highlighted.
        </p>
      )}
    </section>
  );
}
