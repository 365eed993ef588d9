/**
 * The web board (src/web) built into dist/web, which `shotrouter serve` serves. Everything is
 * bundled: no CDN, nothing loaded from elsewhere at run time. `npx vite --config vite.config.ts`
 * serves the board with live reload against a `shotrouter serve` on port 4400.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // one small script: no preload helper injected inline (the board's CSP allows no inline code)
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:4400', '/openapi.json': 'http://127.0.0.1:4400' },
  },
});
