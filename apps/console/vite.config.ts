import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The server serves the build at /console (packages/server/src/features/apps/console-routes.ts): the agent
// console (index.html) and the verify panel alone for embedding (widget.html).
export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: { console: `${root}index.html`, widget: `${root}widget.html` },
    },
  },
});
