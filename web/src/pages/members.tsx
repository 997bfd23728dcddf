import { useEffect, useState } from 'preact/hooks';
import { api, listAll, type Listed } from '../api.ts';
import { CopyButton } from '../components/copy.tsx';
import { Confirm } from '../components/dialog.tsx';
import { Field } from '../components/field.tsx';
import { Empty, ErrorState, FormError, Loading, PartialList } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { memberId, memberName } from '../members.ts';
import { canManage, useSession } from '../session.tsx';
import { fromNow } from '../time.ts';
import type { Member, Role } from '../types.ts';
import { PendingInvitations } from './pending-invitations.tsx';

interface Invited {
  email: string;
  invitation_url: string;
  expires_at: string;
}

/** The workspace's members and roles; owners and admins invite people by link. */
export function MembersPage() {
  const { session } = useSession();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [listed, setListed] = useState<Listed<Member> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [invited, setInvited] = useState<Invited[]>([]);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [busy, setBusy] = useState(false);
  const manager = canManage(session.workspace?.role);

  const load = () => {
    setError(null);
    listAll<Member>('/v1/workspace/members')
      .then((list) => {
        setListed(list);
        setMembers(list.items.filter((m) => memberId(m)));
      })
      .catch(setError);
  };
  useEffect(load, []);

  const setRole = async (member: Member, role: Role) => {
    try {
      await api.patch(`/v1/workspace/members/${memberId(member)}`, { role });
      setMembers((all) => (all ?? []).map((m) => (m === member ? { ...m, role } : m)));
      notify(isolate`${memberName(member)} is now ${role === 'admin' ? 'an admin' : `a ${role}`}.`);
    } catch (err) {
      notify(isolate`Could not change the role: ${(err as Error).message}`, 'error');
      load();
    }
  };

  const remove = async (member: Member) => {
    setBusy(true);
    try {
      await api.delete(`/v1/workspace/members/${memberId(member)}`);
      setMembers((all) => (all ?? []).filter((m) => m !== member));
      notify(isolate`Removed ${memberName(member)} from the workspace.`);
      setRemoving(null);
    } catch (err) {
      notify(isolate`Could not remove ${memberName(member)}: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="page" aria-labelledby="members-title">
      <div class="page-head">
        <h1 id="members-title">Members</h1>
      </div>
      {manager ? (
        <InviteForm onInvited={(i) => setInvited([i, ...invited])} />
      ) : (
        <p class="muted">Owners and admins of this workspace can invite people.</p>
      )}
      {invited.length > 0 && (
        <div class="card stack" aria-live="polite">
          <h2>Invitation links</h2>
          <p class="muted small">
            Send each link to its person; it works once. Latchkey does not send email.
          </p>
          <ul class="plain">
            {invited.map((i) => (
              <li key={i.invitation_url} class="copy-line">
                <span>
                  <UserText>{i.email}</UserText>{' '}
                  <span class="muted small">expires {fromNow(i.expires_at)}</span>
                </span>
                <input
                  readOnly
                  aria-label={`Invitation link for ${i.email}`}
                  value={i.invitation_url}
                  onFocus={(e) => (e.target as HTMLInputElement).select()}
                />
                <CopyButton value={i.invitation_url} what="the invitation link" label="Copy link" />
              </li>
            ))}
          </ul>
        </div>
      )}

      {manager && (
        <PendingInvitations
          reload={invited.length}
          onWithdrawn={(email) => setInvited((all) => all.filter((i) => i.email !== email))}
        />
      )}

      <h2>People</h2>
      {error ? <ErrorState title="Could not load members" error={error} onRetry={load} /> : null}
      {!members && !error && <Loading what="members" />}
      <PartialList list={listed} what="members">
        To find or change someone further down the list, use the API (
        <code>GET /v1/workspace/members</code>, following <code>end_cursor</code>).
      </PartialList>
      {members && members.length === 0 && <Empty title="No members" />}
      {members && members.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Members of this workspace</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={memberId(m)}>
                  <th scope="row" data-label="Name">
                    {m.name ? <UserText>{m.name}</UserText> : '—'}
                    {memberId(m) === session.user.id && <span class="muted small"> (you)</span>}
                  </th>
                  <td data-label="Email">
                    <UserText>{m.email}</UserText>
                  </td>
                  <td data-label="Role">
                    {manager && memberId(m) !== session.user.id ? (
                      <select
                        aria-label={`Role of ${memberName(m)}`}
                        value={m.role}
                        onChange={(e) =>
                          void setRole(m, (e.target as HTMLSelectElement).value as Role)
                        }
                      >
                        <option value="member">Member</option>
                        <option value="admin">Admin</option>
                        <option value="owner">Owner</option>
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td data-label="Joined">{fromNow(m.created_at)}</td>
                  <td class="actions">
                    {(manager || memberId(m) === session.user.id) && (
                      <button type="button" onClick={() => setRemoving(m)}>
                        {memberId(m) === session.user.id ? 'Leave' : 'Remove'}
                        <span class="visually-hidden">{isolate` ${memberName(m)}`}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {removing && (
        <Confirm
          title={isolate`Remove ${memberName(removing)}?`}
          action="Remove member"
          busy={busy}
          onConfirm={() => void remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            Their sessions and API keys stop working in this workspace. Accounts they own stay, and
            owners and admins can still manage them.
          </p>
        </Confirm>
      )}
    </section>
  );
}

function InviteForm({ onInvited }: { onInvited: (invited: Invited) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.post<{ data: Omit<Invited, 'email'> }>('/v1/workspace/members', {
        email: email.trim(),
        role,
      });
      onInvited({ ...data, email: email.trim() });
      setEmail('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="toolbar" onSubmit={submit} aria-label="Invite someone">
      <Field label="Email to invite" type="email" required value={email} onValue={setEmail} />
      <label class="field-inline">
        <span>Role</span>
        <select
          value={role}
          onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}
        >
          <option value="member">Member</option>
          <option value="admin">Admin</option>
          <option value="owner">Owner</option>
        </select>
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Inviting…' : 'Create invitation link'}
      </button>
      <FormError error={error} />
    </form>
  );
}
