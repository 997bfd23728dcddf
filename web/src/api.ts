import type { ListAnswer } from './types.ts';

/** A non-2xx answer, or no answer at all (status 0), with the server's sentence for people. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

// The session's CSRF token and chosen workspace; set by session.ts after sign-in.
const state = { csrf: null as string | null, workspace: null as string | null };
let sessionLost: () => void = () => undefined;

export function useCsrf(token: string | null): void {
  state.csrf = token;
}

export function useWorkspace(id: string | null): void {
  state.workspace = id;
}

/** Called on a 401 from anything but sign-in: the session expired or was revoked. */
export function onSessionLost(handler: () => void): void {
  sessionLost = handler;
}

const NO_ANSWER =
  'Latchkey did not answer. Check your connection and that the server is running, then try again.';

/**
 * Calls the same HTTP API that API keys use, with the session cookie. State-changing requests
 * carry the session's CSRF token; every request names the chosen workspace.
 */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  if (state.workspace) headers['x-latchkey-workspace'] = state.workspace;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, 'network_error', NO_ANSWER, null);
  }

  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = parseJson(text);
  if (response.ok) return json as T;

  const failure = toFailure(response.status, json);
  if (response.status === 401 && !path.startsWith('/v1/auth/')) sessionLost();
  throw failure;
}

function toFailure(status: number, json: unknown): ApiFailure {
  const body = (json ?? {}) as { error?: unknown; code?: unknown; request_id?: unknown };
  const message =
    typeof body.error === 'string' ? body.error : `The server answered with status ${status}.`;
  const code = typeof body.code === 'string' ? body.code : `http_${status}`;
  const requestId = typeof body.request_id === 'string' ? body.request_id : null;
  return new ApiFailure(status, code, message, requestId);
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: (path: string) => request<void>('DELETE', path),
};

/** How many items a page of the dashboard loads at most: enough to scroll, not a whole fleet. */
export const LIST_CAP = 2000;

/** What `listAll` loaded: the items, how many the list holds, and whether it stopped early. */
export interface Listed<T> {
  items: T[];
  /** The last page's `page_info.total_count` (or the items' count when the server omits it). */
  total: number;
  /** True when more pages followed after `max` items: `items` is only the start of the list. */
  truncated: boolean;
}

/**
 * The items of a paginated list, following `end_cursor` until it is null or `max` items are
 * loaded; `truncated` says which, so that a page can tell people that it shows only part.
 */
export async function listAll<T>(path: string, max = LIST_CAP): Promise<Listed<T>> {
  const items: T[] = [];
  const joiner = path.includes('?') ? '&' : '?';
  let after: string | null = null;
  let total: number | null = null;
  do {
    const limit = Math.min(100, max - items.length);
    const cursor: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const url = `${path}${joiner}limit=${limit}${cursor}`;
    const page: ListAnswer<T> = await api.get<ListAnswer<T>>(url);
    items.push(...page.data);
    after = page.page_info?.end_cursor ?? null;
    total = page.page_info?.total_count ?? null;
  } while (after && items.length < max);
  const truncated = after !== null;
  // Items may come while the pages are read: never claim fewer than were loaded.
  return { items, total: Math.max(total ?? 0, items.length + (truncated ? 1 : 0)), truncated };
}

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}
