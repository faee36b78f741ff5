// `npm run build`: the web UI as static files in dist/web-ui, which the dispatcher gateway serves
// on `rest.port` next to the `/api/v1` it reads.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  // Relative asset URLs: the page also works under a proxy's prefix (DC/OS's `/service/<name>/`).
  base: './',
  plugins: [react()],
  resolve: {
    alias: { '@mesoflow/web-api': here('../../libs/web/api/src/index.ts') },
  },
  build: {
    outDir: here('../../dist/web-ui'),
    emptyOutDir: true,
  },
});
