import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Relative asset URLs: the server rewrites <base href> to ${NB_PREFIX}/, so one build works under any prefix.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: '../src/odh_tec/static',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2500,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8888' },
  },
});
