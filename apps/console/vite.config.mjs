// Builds the console into dist/apps/console, served by the gateway at /console.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npx vite --config apps/console/vite.config.mjs` for development against a running gateway.
    proxy: Object.fromEntries(
      ['/api', '/1.0', '/v1', '/console/api'].map((path) => [path, process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080']),
    ),
  },
});
