import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

interface Toast {
  id: number;
  text: ComponentChildren;
  kind: 'ok' | 'error';
}

let next = 1;
let push: (toast: Toast) => void = () => undefined;

/**
 * Shows a short confirmation (or failure) in a polite live region for a few seconds. A message
 * that carries user-supplied text is built with `isolate` (components/user-text.tsx).
 */
export function notify(text: ComponentChildren, kind: Toast['kind'] = 'ok'): void {
  push({ id: next++, text, kind });
}

export function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);

  useEffect(() => {
    push = (toast) => {
      setToasts((all) => [...all, toast]);
      setTimeout(() => setToasts((all) => all.filter((t) => t.id !== toast.id)), 6000);
    };
    return () => {
      push = () => undefined;
    };
  }, []);

  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`}>
          {toast.text}
        </div>
      ))}
    </div>
  );
}
