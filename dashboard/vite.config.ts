import { defineConfig } from 'vite';

/**
 * The dashboard's build: Preact's JSX through Vite's own transform (no plugin needed), hashed
 * files under `dist/assets/` (served as immutable by the broker), nothing inlined into the HTML
 * (the broker's Content-Security-Policy allows only the page's own files).
 */
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
  },
});
