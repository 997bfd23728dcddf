import { notify } from './toast.tsx';

/** Copies to the clipboard and says so; says what to do instead when the browser refuses. */
export async function copyText(value: string, what: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    notify(`Copied ${what} to the clipboard.`);
    return true;
  } catch {
    notify(`Could not reach the clipboard. Select the ${what} and copy it by hand.`, 'error');
    return false;
  }
}

export function CopyButton({
  value,
  what,
  label,
}: {
  value: string;
  what: string;
  label?: string;
}) {
  return (
    <button type="button" onClick={() => void copyText(value, what)}>
      {label ?? 'Copy'}
    </button>
  );
}
