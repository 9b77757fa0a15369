import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const outDir = '../src/odh_tec/static';

// Swagger UI for /api/docs is served by the app itself (no CDN: air-gapped clusters, and a CSP
// of 'self'). The files come from the pinned swagger-ui-dist package.
function swaggerUiAssets(): Plugin {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  return {
    name: 'swagger-ui-assets',
    closeBundle() {
      const target = resolve(outDir, 'swagger');
      mkdirSync(target, { recursive: true });
      for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE']) {
        copyFileSync(resolve(dist, file), resolve(target, file));
      }
    },
  };
}

// Relative asset URLs: the server rewrites <base href> to ${NB_PREFIX}/, so one build works under any prefix.
export default defineConfig({
  base: './',
  plugins: [react(), swaggerUiAssets()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2500,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8888' },
  },
});
