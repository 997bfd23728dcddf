import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard is served by Latchkey itself (src/http/routes/dashboard.ts) from web/dist:
// no CDN, no remote fonts or images, so it works on a machine without internet access.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npx vite web` during development: the API runs on the default Latchkey port.
    proxy: { '/v1': 'http://127.0.0.1:8787' },
  },
});
