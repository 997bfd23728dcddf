import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, useCsrf, useWorkspace } from './api.ts';
import type { Me, Role, User, WorkspaceMembership } from './types.ts';

/**
 * The session cookie is HttpOnly, so the page cannot see it. A flag in localStorage remembers
 * that this browser signed in, so that a visitor who never did is not greeted by a 401 from
 * /v1/users/me (the flag is a hint; the cookie alone authorizes anything).
 */
const HINT = 'latchkey.signed-in';
const WORKSPACE = 'latchkey.workspace';

export interface Session {
  user: User;
  workspaces: WorkspaceMembership[];
  workspace: WorkspaceMembership | null;
}

export interface SessionControls {
  session: Session;
  /** Re-reads /v1/users/me (after switching workspace, say). */
  reload(): Promise<void>;
  switchWorkspace(id: string): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionControls | null>(null);

export function useSession(): SessionControls {
  const controls = useContext(SessionContext);
  if (!controls) throw new Error('useSession outside a signed-in page');
  return controls;
}

export const canManage = (role: Role | undefined) => role === 'owner' || role === 'admin';

export function mightBeSignedIn(): boolean {
  return safeStorage()?.getItem(HINT) === '1';
}

export function rememberSignedIn(csrfToken: string): void {
  useCsrf(csrfToken);
  safeStorage()?.setItem(HINT, '1');
}

export function forgetSession(): void {
  useCsrf(null);
  useWorkspace(null);
  safeStorage()?.removeItem(HINT);
}

/** Reads the signed-in user, picks the remembered workspace (or the first) and arms the API. */
export async function loadSession(): Promise<Session> {
  const { data } = await api.get<{ data: Me }>('/v1/users/me');
  rememberSignedIn(data.csrf_token);

  const workspaces = data.workspaces ?? [];
  const wanted = safeStorage()?.getItem(WORKSPACE);
  const workspace =
    workspaces.find((w) => w.id === wanted) ??
    workspaces.find((w) => w.id === data.current_workspace_id) ??
    workspaces[0] ??
    null;
  useWorkspace(workspace?.id ?? null);
  return { user: data.user, workspaces, workspace };
}

export function rememberWorkspace(id: string): void {
  safeStorage()?.setItem(WORKSPACE, id);
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: the dashboard still works, it just probes every time
  }
}
