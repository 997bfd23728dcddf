import { useEffect, useState } from 'preact/hooks';
import { onSessionLost } from './api.ts';
import { Layout } from './components/layout.tsx';
import { Loading } from './components/states.tsx';
import { Toasts } from './components/toast.tsx';
import { AccountsPage } from './pages/accounts.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AppsPage } from './pages/apps.tsx';
import { AuditPage } from './pages/audit.tsx';
import { AcceptInvitationPage, SignInPage, SignUpPage } from './pages/auth.tsx';
import { ConnectPage } from './pages/connect.tsx';
import { MembersPage } from './pages/members.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { navigate, Redirect, usePlace, type Place } from './router.tsx';
import {
  forgetSession,
  loadSession,
  mightBeSignedIn,
  rememberWorkspace,
  SessionContext,
  type Session,
  type SessionControls,
} from './session.tsx';
import { api } from './api.ts';

const PUBLIC = new Set(['/signin', '/signup', '/invite']);

export function App() {
  const place = usePlace();
  const [session, setSession] = useState<Session | null | 'loading'>(
    mightBeSignedIn() ? 'loading' : null,
  );

  const start = async () => {
    try {
      setSession(await loadSession());
    } catch {
      forgetSession();
      setSession(null);
    }
  };

  useEffect(() => {
    onSessionLost(() => {
      forgetSession();
      setSession(null);
    });
    if (session === 'loading') void start();
  }, []);

  useEffect(() => {
    document.title = `${titleOf(place.path)} · Latchkey`;
  }, [place.path]);

  if (session === 'loading') {
    return (
      <main class="center">
        <Loading what="your session" />
      </main>
    );
  }

  if (!session || PUBLIC.has(place.path)) {
    return (
      <>
        <PublicPage place={place} signedIn={session !== null} onSignedIn={start} />
        <Toasts />
      </>
    );
  }

  const controls: SessionControls = {
    session,
    reload: start,
    async switchWorkspace(id) {
      rememberWorkspace(id);
      await start();
    },
    async signOut() {
      try {
        await api.post('/v1/auth/logout');
      } finally {
        forgetSession();
        setSession(null);
        navigate('/signin', { replace: true });
      }
    },
  };

  return (
    <SessionContext.Provider value={controls}>
      <Layout place={place}>
        <PrivatePage place={place} key={session.workspace?.id ?? 'none'} />
      </Layout>
      <Toasts />
    </SessionContext.Provider>
  );
}

function PublicPage(props: { place: Place; signedIn: boolean; onSignedIn: () => Promise<void> }) {
  const { place, signedIn, onSignedIn } = props;
  const done = async () => {
    await onSignedIn();
    // Signed out on a dashboard page (or the session ended there): go back to it.
    const back = PUBLIC.has(place.path) ? '/accounts' : `${place.path}${location.search}`;
    navigate(back, { replace: true });
  };

  if (signedIn && !place.params.has('invitation') && place.path !== '/invite') {
    return <Redirect to="/accounts" />;
  }
  // Invitation links read `/signup?invitation=…` (the members service makes them).
  const invited = place.params.has('invitation') || place.path === '/invite';
  if (invited) return <AcceptInvitationPage place={place} signedIn={signedIn} onDone={done} />;
  if (place.path === '/signup') return <SignUpPage onDone={done} />;
  return <SignInPage place={place} onDone={done} />;
}

function PrivatePage({ place }: { place: Place }) {
  switch (place.path) {
    case '/':
    case '/accounts':
      return <AccountsPage place={place} />;
    case '/connect':
      return <ConnectPage place={place} />;
    case '/apps':
      return <AppsPage />;
    case '/api-keys':
      return <ApiKeysPage />;
    case '/audit':
      return <AuditPage place={place} />;
    case '/members':
      return <MembersPage />;
    default:
      return <NotFoundPage />;
  }
}

const TITLES: Record<string, string> = {
  '/signin': 'Sign in',
  '/signup': 'Create the first account',
  '/invite': 'Accept invitation',
  '/connect': 'Connect an account',
  '/apps': 'Apps and OAuth clients',
  '/api-keys': 'API keys',
  '/audit': 'Audit log',
  '/members': 'Members',
};

const titleOf = (path: string) => TITLES[path] ?? 'Accounts';
