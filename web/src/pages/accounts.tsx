import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { listAll, query, type Listed } from '../api.ts';
import { HEALTH_LABEL, healthOf, type Health } from '../components/health.tsx';
import { Empty, ErrorState, Loading, PartialList, formatCount } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { UserText, isolate } from '../components/user-text.tsx';
import { useMembers } from '../members.ts';
import { Link, navigate, type Place } from '../router.tsx';
import type { Account, App } from '../types.ts';
import { AccountsTable } from './accounts-table.tsx';

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready' };

export function AccountsPage({ place }: { place: Place }) {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [listed, setListed] = useState<Listed<Account> | null>(null);
  /** The app the server filtered the loaded accounts by ('' for all of them). */
  const [fetched, setFetched] = useState('');
  /** Every app of the workspace, loaded once the full list proved too long to load whole. */
  const [allApps, setAllApps] = useState<App[]>([]);
  const latest = useRef(0);
  const [search, setSearch] = useState('');
  const [app, setApp] = useState('');
  const [health, setHealth] = useState<Health | ''>('');
  const [highlight, setHighlight] = useState<string | null>(null);
  const [connectError, setConnectError] = useState<string | null>(null);
  const { members } = useMembers();

  /**
   * Loads the accounts, of one app when `slug` is set. Past the cap, search and health filter
   * only what was loaded, while the app filter goes to the server (GET /v1/accounts?app=).
   */
  const fetchAll = async (slug = '') => {
    const mine = ++latest.current;
    setLoad({ state: 'loading' });
    setFetched(slug);
    try {
      const list = await listAll<Account>(`/v1/accounts${query({ app: slug })}`);
      if (mine !== latest.current) return; // another app was chosen meanwhile
      setAccounts(list.items);
      setListed(list);
      setLoad({ state: 'ready' });
      if (list.truncated && !slug && allApps.length === 0) {
        listAll<App>('/v1/apps')
          .then((apps) => setAllApps(apps.items))
          .catch(() => undefined); // the options then hold the loaded accounts' apps only
      }
    } catch (error) {
      if (mine === latest.current) setLoad({ state: 'error', error });
    }
  };

  const chooseApp = (slug: string) => {
    setApp(slug);
    if (listed?.truncated || fetched) void fetchAll(slug);
  };

  useEffect(() => {
    // Back from a provider: the server appended account_id (or error) to our redirect URI.
    const connected = place.params.get('account_id');
    const failed = place.params.get('error');
    if (connected) setHighlight(connected);
    if (place.params.has('connect_failed')) setConnectError(failed ?? 'unknown_error');
    if (connected || failed) navigate('/accounts', { replace: true });
    void fetchAll();
  }, []);

  useEffect(() => {
    const found = accounts.find((a) => a.id === highlight);
    if (!found) return;
    notify(isolate`Connected ${found.app.name} account ${found.name ?? found.id}.`);
    document.getElementById(`account-${found.id}`)?.scrollIntoView({ block: 'center' });
  }, [highlight, load.state]);

  const apps = useMemo(() => {
    const seen = new Map<string, string>();
    for (const a of allApps) seen.set(a.name_slug, a.name);
    for (const a of accounts) seen.set(a.app.name_slug, a.app.name);
    return [...seen].sort((x, y) => x[1].localeCompare(y[1]));
  }, [accounts, allApps]);

  const needle = search.trim().toLowerCase();
  const shown = accounts.filter(
    (a) =>
      (!app || a.app.name_slug === app) &&
      (!health || healthOf(a) === health) &&
      (!needle || `${a.name ?? ''} ${a.id}`.toLowerCase().includes(needle)),
  );

  const replace = (next: Partial<Account> & { id: string }) =>
    setAccounts((all) => all.map((a) => (a.id === next.id ? { ...a, ...next } : a)));
  const remove = (id: string) => {
    setAccounts((all) => all.filter((a) => a.id !== id));
    setListed((list) => list && { ...list, total: list.total - 1 });
  };
  // Past the cap, "of" counts what the server holds, not only what was loaded.
  const total = listed?.truncated ? listed.total : accounts.length;
  const clearFilters = () => {
    setSearch('');
    chooseApp('');
    setHealth('');
  };

  return (
    <section class="page" aria-labelledby="accounts-title">
      <div class="page-head">
        <h1 id="accounts-title">Accounts</h1>
        <Link href="/connect" class="button primary">
          Connect an account
        </Link>
      </div>

      {connectError && (
        <div class="notice notice-error" role="alert">
          Connecting did not finish (<UserText>{connectError.replaceAll('_', ' ')}</UserText>). Try
          again from <Link href="/connect">Connect</Link>; if it keeps failing, check the OAuth
          client's ID, secret and redirect URI under <Link href="/apps">Apps</Link>.
        </div>
      )}

      <div class="toolbar" role="search">
        <label class="field-inline">
          <span>Search</span>
          <input
            type="search"
            placeholder="Account name or ID"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field-inline">
          <span>App</span>
          <select value={app} onChange={(e) => chooseApp((e.target as HTMLSelectElement).value)}>
            <option value="">All apps</option>
            {apps.map(([slug, name]) => (
              <option key={slug} value={slug} dir="auto">
                {name}
              </option>
            ))}
          </select>
        </label>
        <label class="field-inline">
          <span>Health</span>
          <select
            value={health}
            onChange={(e) => setHealth((e.target as HTMLSelectElement).value as Health | '')}
          >
            <option value="">Any health</option>
            {(Object.keys(HEALTH_LABEL) as Health[]).map((h) => (
              <option key={h} value={h}>
                {HEALTH_LABEL[h]}
              </option>
            ))}
          </select>
        </label>
      </div>

      {load.state === 'loading' && <Loading what="accounts" />}
      {load.state === 'error' && (
        <ErrorState
          title="Could not load accounts"
          error={load.error}
          onRetry={() => void fetchAll(fetched)}
        />
      )}
      {load.state === 'ready' && (
        <PartialList list={listed} what="accounts">
          They are the newest. Search and the health filter look only at these; choosing an app
          loads that app's accounts. To see every account, use the API (
          <code>GET /v1/accounts</code>, which also filters by <code>external_user_id</code>) or the
          CLI (<code>latchkey accounts list</code>).
        </PartialList>
      )}
      {load.state === 'ready' && accounts.length === 0 && !fetched && (
        <Empty title="No accounts yet">
          <p>
            Connect an account to let Latchkey hold its tokens and keep them fresh. Accounts that
            others share with you show up here too.
          </p>
          <Link href="/connect" class="button primary">
            Connect an account
          </Link>
        </Empty>
      )}
      {load.state === 'ready' && (accounts.length > 0 || fetched) && shown.length === 0 && (
        <Empty title="No account matches these filters">
          <button type="button" onClick={clearFilters}>
            Clear filters
          </button>
        </Empty>
      )}
      {load.state === 'ready' && shown.length > 0 && (
        <>
          <p class="muted" aria-live="polite">
            Showing {formatCount(shown.length)} of {formatCount(total)} account
            {total === 1 ? '' : 's'}
          </p>
          <AccountsTable
            accounts={shown}
            members={members}
            highlight={highlight}
            onChanged={replace}
            onDeleted={remove}
          />
        </>
      )}
    </section>
  );
}
