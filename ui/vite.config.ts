import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The production bundle is built from index.html only. dev.html (with the mocked Tauri
// backend in dev/) is served by the dev server for browser previews and never bundled.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**', '**/target/**'] },
  },
  preview: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK (Linux) and Safari WKWebView (macOS) are the oldest engines we run in.
    target: 'safari16',
    sourcemap: false,
    rolldownOptions: {
      output: {
        // The editor (CodeMirror) is most of the bundle: keep it in its own chunk.
        codeSplitting: {
          groups: [{ name: 'codemirror', test: /node_modules[\\/](@codemirror|@lezer|codemirror|crelt|style-mod|w3c-keyname)/ }],
        },
      },
    },
  },
});
