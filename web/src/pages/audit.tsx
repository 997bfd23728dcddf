import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { UserText } from '../components/user-text.tsx';
import { useMembers, nameOf } from '../members.ts';
import type { Place } from '../router.tsx';
import { exactTime, fromNow } from '../time.ts';
import type { AuditEvent, ListAnswer, PageInfo } from '../types.ts';

const ACTIONS = [
  'credentials.read',
  'account.connected',
  'account.reconnected',
  'account.refreshed',
  'account.refresh_requested',
  'account.refresh_failed',
  'account.access_changed',
  'account.deleted',
  'connect_token.created',
  'oauth_app.created',
  'oauth_app.deleted',
  'api_key.created',
  'api_key.revoked',
  'member.invited',
  'member.role_changed',
  'member.removed',
  'user.signed_up',
  'auth.login',
  'auth.login_failed',
  'workspace.created',
];

type Cursor = { after?: string; before?: string };

/** Who read which credentials, and who connected, shared, refreshed and deleted; newest first. */
export function AuditPage({ place }: { place: Place }) {
  const [action, setAction] = useState(place.params.get('action') ?? '');
  const [accountId, setAccountId] = useState(place.params.get('account_id') ?? '');
  const [applied, setApplied] = useState({ action, accountId });
  const [cursor, setCursor] = useState<Cursor>({});
  const [page, setPage] = useState(1);
  const [answer, setAnswer] = useState<{ data: AuditEvent[]; info: PageInfo | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { members } = useMembers();

  const load = () => {
    setError(null);
    setAnswer(null);
    const path = `/v1/audit_events${query({
      limit: '25',
      action: applied.action,
      account_id: applied.accountId,
      after: cursor.after,
      before: cursor.before,
    })}`;
    api
      .get<ListAnswer<AuditEvent>>(path)
      .then((a) => setAnswer({ data: a.data, info: a.page_info ?? null }))
      .catch(setError);
  };
  useEffect(load, [applied, cursor]);

  const apply = (event: Event) => {
    event.preventDefault();
    setCursor({});
    setPage(1);
    setApplied({ action, accountId: accountId.trim() });
  };

  const info = answer?.info;
  const older = () => {
    if (!info?.end_cursor) return;
    setCursor({ after: info.end_cursor });
    setPage(page + 1);
  };
  const newer = () => {
    if (!info?.start_cursor) return;
    setCursor(page <= 2 ? {} : { before: info.start_cursor });
    setPage(page - 1);
  };

  return (
    <section class="page" aria-labelledby="audit-title">
      <div class="page-head">
        <h1 id="audit-title">Audit log</h1>
      </div>
      <form class="toolbar" onSubmit={apply} aria-label="Filter audit events">
        <label class="field-inline">
          <span>Action</span>
          <select value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
            <option value="">Any action</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label class="field-inline">
          <span>Account ID</span>
          <input
            value={accountId}
            placeholder="apn_…"
            onInput={(e) => setAccountId((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Apply filters</button>
      </form>

      {error ? (
        <ErrorState title="Could not load the audit log" error={error} onRetry={load} />
      ) : null}
      {!answer && !error && <Loading what="audit events" />}
      {answer && answer.data.length === 0 && (
        <Empty title="No events match">
          <p>Events appear as people and programs read credentials or change accounts.</p>
        </Empty>
      )}
      {answer && answer.data.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Who</th>
                <th scope="col">Account</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {answer.data.map((e) => (
                <tr key={e.id}>
                  <td data-label="When" title={exactTime(e.created_at)}>
                    {fromNow(e.created_at)}
                  </td>
                  <th scope="row" data-label="Action">
                    <code>{e.action}</code>
                  </th>
                  <td data-label="Who">
                    <UserText>{actorLabel(e, members)}</UserText>
                  </td>
                  <td data-label="Account">{e.account_id ? <code>{e.account_id}</code> : '—'}</td>
                  <td data-label="From">{e.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Audit log pages">
        <button type="button" disabled={page <= 1} onClick={newer}>
          ← Newer
        </button>
        <span class="muted">Page {page}</span>
        <button type="button" disabled={!info?.end_cursor} onClick={older}>
          Older →
        </button>
      </nav>
    </section>
  );
}

function actorLabel(e: AuditEvent, members: Parameters<typeof nameOf>[0]): string {
  const type = e.actor?.type ?? e.actor_type ?? 'system';
  const id = e.actor?.id ?? e.actor_id ?? null;
  if (e.actor?.name) return e.actor.name;
  if (type === 'user') return nameOf(members, id);
  if (type === 'api_key') return `API key ${id ?? ''}`.trim();
  return type === 'system' ? 'Latchkey' : type;
}
