// `npm ci` runs this (the `prepare` script): it builds the dashboard into web/dist. An install
// without dev dependencies has no Vite; the server then starts anyway and says so in its log.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

let vite;
try {
  vite = await import('vite');
} catch {
  console.log('latchkey: Vite is not installed, so the dashboard (web/dist) was not built.');
  process.exit(0);
}

await vite.build({ root, configFile: `${root}/vite.config.ts`, logLevel: 'warn' });
console.log('latchkey: dashboard built into web/dist');
