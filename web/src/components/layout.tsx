import type { ComponentChildren } from 'preact';
import { Link, type Place } from '../router.tsx';
import { useSession } from '../session.tsx';
import { UserText } from './user-text.tsx';

const NAV = [
  { href: '/accounts', label: 'Accounts' },
  { href: '/connect', label: 'Connect' },
  { href: '/apps', label: 'Apps' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/audit', label: 'Audit log' },
  { href: '/members', label: 'Members' },
];

export function Layout({ place, children }: { place: Place; children: ComponentChildren }) {
  const { session, switchWorkspace, signOut } = useSession();
  const current = place.path === '/' ? '/accounts' : place.path;

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/accounts" class="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          Latchkey
        </Link>
        <nav aria-label="Main" class="nav">
          {NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              class="nav-link"
              aria-current={current === item.href ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          {session.workspaces.length > 1 ? (
            <label class="workspace-pick">
              <span class="visually-hidden">Workspace</span>
              <select
                value={session.workspace?.id}
                onChange={(e) => void switchWorkspace((e.target as HTMLSelectElement).value)}
              >
                {session.workspaces.map((w) => (
                  <option key={w.id} value={w.id} dir="auto">
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <UserText class="muted workspace-name">{session.workspace?.name}</UserText>
          )}
          <span class="user" title={session.user.email}>
            <UserText>{session.user.name || session.user.email}</UserText>
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="content" tabIndex={-1}>
        {session.workspace ? (
          children
        ) : (
          <p class="state">You are not a member of any workspace. Ask an owner to invite you.</p>
        )}
      </main>
    </div>
  );
}
