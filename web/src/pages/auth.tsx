import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/states.tsx';
import { Link, type Place } from '../router.tsx';
import { rememberSignedIn } from '../session.tsx';
import type { User } from '../types.ts';

interface SignedIn {
  data: { user: User; csrf_token: string };
}

function AuthCard({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <p class="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          Latchkey
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** Runs a sign-in style request and reports its error under the form. */
function useSubmit(send: () => Promise<SignedIn>, onDone: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await send();
      rememberSignedIn(data.csrf_token);
      await onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export function SignInPage({ place, onDone }: { place: Place; onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(
    () => api.post<SignedIn>('/v1/auth/login', { email, password }),
    onDone,
  );
  const elsewhere = place.path !== '/signin' && place.path !== '/';

  return (
    <AuthCard title="Sign in">
      {elsewhere && <p class="notice">Sign in to continue.</p>}
      <form onSubmit={submit} class="stack">
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <FormError error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="muted">
        Setting up a new Latchkey? <Link href="/signup">Create the first account</Link>. Joining a
        team? Open the invitation link you were sent.
      </p>
    </AuthCard>
  );
}

function SignUpForm(props: {
  invitation: string | null;
  action: string;
  onDone: () => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(
    () =>
      api.post<SignedIn>('/v1/auth/signup', {
        email,
        password,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(props.invitation ? { invitation: props.invitation } : {}),
      }),
    props.onDone,
  );

  return (
    <form onSubmit={submit} class="stack">
      <Field label="Name" autoComplete="name" value={name} onValue={setName} />
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onValue={setEmail}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        hint="At least 8 characters; a long passphrase is best."
        value={password}
        onValue={setPassword}
      />
      <FormError error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Creating…' : props.action}
      </button>
    </form>
  );
}

export function SignUpPage({ onDone }: { onDone: () => Promise<void> }) {
  return (
    <AuthCard title="Create the first account">
      <p>
        On a new Latchkey, the first person to sign up becomes the owner of its workspace. After
        that, people join by invitation.
      </p>
      <SignUpForm invitation={null} action="Create account" onDone={onDone} />
      <p class="muted">
        Already have an account? <Link href="/signin">Sign in</Link>.
      </p>
    </AuthCard>
  );
}

/**
 * The page an invitation link opens (`/signup?invitation=…` or `/invite?token=…`): someone new
 * creates an account; someone who has one joins with it, signed in already or by signing in here.
 */
export function AcceptInvitationPage(props: {
  place: Place;
  signedIn: boolean;
  onDone: () => Promise<void>;
}) {
  const token = props.place.params.get('token') ?? props.place.params.get('invitation');
  if (!token) {
    return (
      <AuthCard title="Accept invitation">
        <p class="form-error" role="alert">
          This link has no invitation in it. Open the full link from your invitation, or ask the
          person who invited you for a new one.
        </p>
      </AuthCard>
    );
  }

  if (props.signedIn) {
    return (
      <AuthCard title="Accept invitation">
        <p>You were invited to another Latchkey workspace. Join it with the account you use now.</p>
        <JoinForm token={token} signIn={false} onDone={props.onDone} />
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Accept invitation">
      <p>You were invited to a Latchkey workspace. Create your account to join it.</p>
      <SignUpForm invitation={token} action="Join workspace" onDone={props.onDone} />
      <h2>Already have an account here?</h2>
      <JoinForm token={token} signIn onDone={props.onDone} />
    </AuthCard>
  );
}

/** Joins the invitation's workspace with an existing account, signing in first if asked to. */
function JoinForm(props: { token: string; signIn: boolean; onDone: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (props.signIn) {
        const { data } = await api.post<SignedIn>('/v1/auth/login', { email, password });
        rememberSignedIn(data.csrf_token);
      }
      await api.post('/v1/auth/accept_invitation', { invitation: props.token });
      await props.onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="stack">
      {props.signIn && (
        <>
          <Field
            label="Your email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onValue={setEmail}
          />
          <Field
            label="Your password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onValue={setPassword}
          />
        </>
      )}
      <FormError error={error} />
      <button type="submit" class={props.signIn ? '' : 'primary'} disabled={busy}>
        {busy ? 'Joining…' : props.signIn ? 'Sign in and join' : 'Join workspace'}
      </button>
    </form>
  );
}
