// Vite build of the console UI into dist/renderer/ (served by app:// in Electron and by the
// browser mode's server). No inline script or style is emitted, so the strict CSP holds.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// Paths from this file's directory (vite resolves import.meta.dirname when it loads the config).
const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    chunkSizeWarningLimit: 2000,
  },
  logLevel: 'warn',
});
