import type { Provider } from 'oidc-provider';

const RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime';

let loaded: Promise<typeof Provider> | undefined;

/**
 * Imports oidc-provider once. Version 9 warns at import time that Node 20 is unsupported; it
 * works here (see TOOLCHAIN.md), so that single line is dropped while the module evaluates.
 * Every other warning still reaches the console.
 */
export function loadProvider(): Promise<typeof Provider> {
  loaded ??= importQuietly();
  return loaded;
}

async function importQuietly(): Promise<typeof Provider> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const [first] = args;
    if (typeof first === 'string' && first.includes(RUNTIME_WARNING)) return;
    warn(...args);
  };

  try {
    const module = await import('oidc-provider');
    return module.default;
  } finally {
    console.warn = warn;
  }
}
