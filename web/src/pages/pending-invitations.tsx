import { useEffect, useState } from 'preact/hooks';
import { api, listAll, type Listed } from '../api.ts';
import { Empty, ErrorState, Loading, PartialList } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { fromNow } from '../time.ts';
import type { Role } from '../types.ts';

interface Pending {
  id: string;
  email: string;
  role: Role;
  expires_at: string;
}

/**
 * Invitations nobody has used yet, for owners and admins. Their links are stored only as a
 * hash, so they cannot be shown again: a lost one is withdrawn and sent anew.
 */
export function PendingInvitations(props: {
  reload: number;
  onWithdrawn: (email: string) => void;
}) {
  const { reload, onWithdrawn } = props;
  const [pending, setPending] = useState<Pending[] | null>(null);
  const [listed, setListed] = useState<Listed<Pending> | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = () => {
    setError(null);
    listAll<Pending>('/v1/workspace/invitations')
      .then((list) => {
        setListed(list);
        setPending(list.items);
      })
      .catch(setError);
  };
  useEffect(load, [reload]);

  const withdraw = async (invitation: Pending) => {
    try {
      await api.delete(`/v1/workspace/invitations/${invitation.id}`);
      setPending((all) => (all ?? []).filter((i) => i !== invitation));
      onWithdrawn(invitation.email);
      notify(isolate`Withdrew the invitation for ${invitation.email}.`);
    } catch (err) {
      notify(isolate`Could not withdraw it: ${(err as Error).message}`, 'error');
      load();
    }
  };

  return (
    <div class="stack">
      <h2>Pending invitations</h2>
      {error ? (
        <ErrorState title="Could not load invitations" error={error} onRetry={load} />
      ) : null}
      {!pending && !error && <Loading what="invitations" />}
      <PartialList list={listed} what="pending invitations">
        Withdraw the ones nobody will use, or list them all with the API (
        <code>GET /v1/workspace/invitations</code>).
      </PartialList>
      {pending && pending.length === 0 && (
        <Empty title="No pending invitations">
          <p>Invite someone above; their link appears here until they use it.</p>
        </Empty>
      )}
      {pending && pending.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Invitations not used yet</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.map((i) => (
                <tr key={i.id}>
                  <th scope="row" data-label="Email">
                    <UserText>{i.email}</UserText>
                  </th>
                  <td data-label="Role">{i.role}</td>
                  <td data-label="Expires">{fromNow(i.expires_at)}</td>
                  <td class="actions">
                    <button type="button" onClick={() => void withdraw(i)}>
                      Withdraw
                      <span class="visually-hidden">{isolate` the invitation for ${i.email}`}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
