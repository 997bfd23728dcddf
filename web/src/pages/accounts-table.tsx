import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { startConnect } from '../connect-flow.ts';
import { AppAvatar } from '../components/avatar.tsx';
import { copyText } from '../components/copy.tsx';
import { Confirm } from '../components/dialog.tsx';
import { HealthBadge } from '../components/health.tsx';
import { ActionsMenu } from '../components/menu.tsx';
import { notify } from '../components/toast.tsx';
import { isolate, isolatedList, UserText } from '../components/user-text.tsx';
import { nameOf } from '../members.ts';
import { canManage, useSession } from '../session.tsx';
import { exactTime, fromNow, useTick } from '../time.ts';
import type { Account, Member } from '../types.ts';
import { AccessDialog } from './access-dialog.tsx';

interface TableProps {
  accounts: Account[];
  members: Member[];
  highlight: string | null;
  onChanged: (account: Account) => void;
  onDeleted: (id: string) => void;
}

export function AccountsTable(props: TableProps) {
  useTick();
  return (
    <div class="table-wrap">
      <table class="table accounts">
        <caption class="visually-hidden">Accounts you can see</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Health</th>
            <th scope="col">Token expires</th>
            <th scope="col">Next refresh</th>
            <th scope="col">Owner</th>
            <th scope="col">Shared with</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.accounts.map((account) => (
            <AccountRow key={account.id} account={account} {...props} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AccountRow({
  account,
  members,
  highlight,
  onChanged,
  onDeleted,
}: TableProps & { account: Account }) {
  const { session } = useSession();
  const [dialog, setDialog] = useState<'access' | 'delete' | null>(null);
  const [busy, setBusy] = useState(false);
  const label = account.name ?? account.external_id ?? account.id;
  const mayManage = canManage(session.workspace?.role) || account.owner_user_id === session.user.id;

  const refresh = async () => {
    notify(isolate`Refreshing ${label}…`);
    try {
      const { data } = await api.post<{ data: Account }>(`/v1/accounts/${account.id}/refresh`);
      onChanged(data);
      notify(
        isolate`Refreshed ${label}. The new token expires ${fromNow(data.expires_at, 'never')}.`,
      );
    } catch (error) {
      notify(isolate`Could not refresh ${label}: ${(error as Error).message}`, 'error');
    }
  };

  const reconnect = async () => {
    try {
      await startConnect({
        app: account.app.name_slug,
        oauthAppId: account.oauth_app_id,
        accountId: account.id,
      });
    } catch (error) {
      notify(isolate`Could not start reconnecting: ${(error as Error).message}`, 'error');
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await api.delete(`/v1/accounts/${account.id}`);
      setDialog(null);
      onDeleted(account.id);
      notify(isolate`Deleted ${label}.`);
    } catch (error) {
      notify(isolate`Could not delete ${label}: ${(error as Error).message}`, 'error');
      setBusy(false);
    }
  };

  const owner = account.owner_user_id ? (
    <UserText>{nameOf(members, account.owner_user_id)}</UserText>
  ) : account.external_user_id ? (
    isolate`End user ${account.external_user_id}`
  ) : (
    'The workspace'
  );

  return (
    <tr id={`account-${account.id}`} class={highlight === account.id ? 'highlight' : undefined}>
      <th scope="row" data-label="Account">
        <div class="account-cell">
          <AppAvatar name={account.app.name} slug={account.app.name_slug} />
          <div>
            <div class="account-name">
              <UserText>{label}</UserText>
            </div>
            <div class="muted small">
              <UserText>{account.app.name}</UserText>
            </div>
          </div>
        </div>
      </th>
      <td data-label="Health">
        <HealthBadge account={account} />
      </td>
      <td data-label="Token expires" title={exactTime(account.expires_at)}>
        {fromNow(account.expires_at, 'Never')}
      </td>
      <td data-label="Next refresh" title={exactTime(account.next_refresh_at)}>
        {account.dead ? 'After reconnect' : fromNow(account.next_refresh_at, 'Not scheduled')}
      </td>
      <td data-label="Owner">{owner}</td>
      <td data-label="Shared with">{sharedWith(account, members)}</td>
      <td class="actions">
        <ActionsMenu
          label={`Actions for ${label}`}
          items={[
            {
              label: 'Copy account ID',
              onSelect: () => void copyText(account.id, 'the account ID'),
            },
            { label: 'Manage access', onSelect: () => setDialog('access'), disabled: !mayManage },
            { label: 'Reconnect', onSelect: () => void reconnect(), disabled: !mayManage },
            { label: 'Refresh now', onSelect: () => void refresh() },
            {
              label: 'Delete',
              onSelect: () => setDialog('delete'),
              danger: true,
              disabled: !mayManage,
            },
          ]}
        />
        {dialog === 'access' && (
          <AccessDialog
            account={account}
            members={members}
            onClose={() => setDialog(null)}
            onSaved={(next) => {
              onChanged(next);
              setDialog(null);
            }}
          />
        )}
        {dialog === 'delete' && (
          <Confirm
            title={isolate`Delete ${label}?`}
            action="Delete account"
            busy={busy}
            onConfirm={() => void remove()}
            onClose={() => setDialog(null)}
          >
            <p>
              Latchkey destroys this account's stored credentials and asks{' '}
              <UserText>{account.app.name}</UserText> to revoke them where it can. Programs that
              read it by ID will get 404. This cannot be undone; connecting again creates a new
              account with a new ID.
            </p>
          </Confirm>
        )}
      </td>
    </tr>
  );
}

function sharedWith(account: Account, members: Member[]): ComponentChildren {
  if (account.visibility === 'workspace') return 'Everyone in the workspace';
  const named = (account.member_ids ?? []).map((id) => nameOf(members, id));
  if (named.length > 0) return isolatedList(named);
  if (account.owner_user_id) return 'Only the owner';
  // No personal owner: an end user's account is the whole workspace's; one connected with the
  // bootstrap key for no end user is for owners and admins.
  return account.external_user_id ? 'Everyone in the workspace' : 'Owners and admins';
}
