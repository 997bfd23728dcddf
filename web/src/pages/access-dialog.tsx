import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { FormError } from '../components/states.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, UserText } from '../components/user-text.tsx';
import { memberId, memberName } from '../members.ts';
import type { Account, Member } from '../types.ts';

type Visibility = 'private' | 'workspace';

interface Access {
  visibility: Visibility;
  member_ids: string[];
}

/** Who may see and use an account: only its owner, named members, or the whole workspace. */
export function AccessDialog(props: {
  account: Account;
  members: Member[];
  onClose: () => void;
  onSaved: (account: Account) => void;
}) {
  const { account, members } = props;
  const [visibility, setVisibility] = useState<Visibility>(account.visibility ?? 'private');
  const [chosen, setChosen] = useState<Set<string>>(new Set(account.member_ids ?? []));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const others = members.filter((m) => memberId(m) !== account.owner_user_id);

  const toggle = (id: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { visibility, member_ids: [...chosen] };
    try {
      const { data } = await api.put<{ data: Partial<Access> }>(
        `/v1/accounts/${account.id}/access`,
        body,
      );
      props.onSaved({
        ...account,
        visibility: data.visibility ?? body.visibility,
        member_ids: data.member_ids ?? body.member_ids,
      });
      notify(isolate`Saved who can use ${account.name ?? account.id}.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title={isolate`Manage access to ${account.name ?? account.id}`} onClose={props.onClose}>
      <form onSubmit={save} class="dialog-body stack">
        <fieldset>
          <legend>Who can use this account</legend>
          <label class="choice">
            <input
              type="radio"
              name="visibility"
              value="private"
              checked={visibility === 'private'}
              onChange={() => setVisibility('private')}
            />
            <span>
              <strong>Private</strong> — its owner, and the members chosen below
            </span>
          </label>
          <label class="choice">
            <input
              type="radio"
              name="visibility"
              value="workspace"
              checked={visibility === 'workspace'}
              onChange={() => setVisibility('workspace')}
            />
            <span>
              <strong>Workspace</strong> — every member of this workspace
            </span>
          </label>
        </fieldset>

        <fieldset disabled={visibility === 'workspace'}>
          <legend>Share with members by name</legend>
          {others.length === 0 && (
            <p class="muted">
              No other members yet. Invite people under Members, then share with them here.
            </p>
          )}
          {others.map((m) => (
            <label class="choice" key={memberId(m)}>
              <input
                type="checkbox"
                checked={chosen.has(memberId(m))}
                onChange={(e) => toggle(memberId(m), (e.target as HTMLInputElement).checked)}
              />
              <span>
                <UserText>{memberName(m)}</UserText>{' '}
                {m.name && (
                  <span class="muted">
                    <UserText>{m.email}</UserText>
                  </span>
                )}
              </span>
            </label>
          ))}
        </fieldset>
        <p class="muted small">Workspace owners and admins always see every account.</p>
        <FormError error={error} />
        <footer class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save access'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
