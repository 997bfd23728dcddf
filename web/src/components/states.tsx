import type { ComponentChildren } from 'preact';
import { ApiFailure, type Listed } from '../api.ts';
import { UserText } from './user-text.tsx';

export function Loading({ what }: { what: string }) {
  return (
    <div class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

/** An error in words, with what to do next and the request id to quote to an operator. */
export function ErrorState({
  error,
  onRetry,
  title = 'Something went wrong',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  const failure = error instanceof ApiFailure ? error : null;
  const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div class="state state-error" role="alert">
      <h2>{title}</h2>
      <p>
        <UserText>{message}</UserText>
      </p>
      {failure?.status === 403 && <p>Ask an owner or admin of this workspace for access.</p>}
      {failure?.requestId && (
        <p class="muted">
          Request ID <code>{failure.requestId}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({
  title,
  children,
}: {
  title: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <div class="state state-empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** A one-line error under a form, announced to screen readers. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p class="form-error" role="alert">
      <UserText>{message}</UserText>
    </p>
  );
}

const numbers = new Intl.NumberFormat('en');
/** A count as people read it: 12,345. */
export const formatCount = (n: number) => numbers.format(n);

/**
 * Says that a list shows only its first items (`listAll` stopped at its cap), how many there
 * are in all, and what to do instead (`children`). Nothing when the whole list is loaded.
 */
export function PartialList({
  list,
  what,
  children,
}: {
  list: Listed<unknown> | null;
  /** The items, plural and lower case: "accounts", "API keys". */
  what: string;
  children?: ComponentChildren;
}) {
  if (!list?.truncated) return null;
  return (
    <div class="notice notice-partial" role="status">
      <p>
        <strong>
          Showing the first {formatCount(list.items.length)} of {formatCount(list.total)} {what}.
        </strong>{' '}
        {children}
      </p>
    </div>
  );
}
