// Vite: React app + module workers. Dev and preview servers send COOP/COEP so the page is
// cross-origin isolated and onnxruntime-web can use WASM threads. The production build also
// emits the service worker: vite-plugin-pwa (injectManifest) bundles workers/sw/sw.ts into a
// classic sw.js and workbox-build injects its precache manifest (app shell and onnxruntime's
// runtime, never the model; capped per file and in all).
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { VitePWA } from 'vite-plugin-pwa';
import { ISOLATION_HEADERS } from './src/shared/headers.js';

const isolation = { ...ISOLATION_HEADERS };

/** Largest single file the service worker precaches: the onnxruntime-web .wasm is ~28 MB. */
const PRECACHE_MAX_FILE = 40 * 1024 * 1024;
/** Refuse a build whose precache grows past this: it is downloaded on every install. */
const PRECACHE_MAX_TOTAL = 64 * 1024 * 1024;

/** workbox-build manifest transform: fails the build over the total cap, reports count and size. */
function capPrecache<T extends { size: number }>(entries: T[]) {
  const size = entries.reduce((sum, e) => sum + e.size, 0);
  if (size > PRECACHE_MAX_TOTAL) throw new Error(`Precache is ${(size / 1e6).toFixed(1)} MB, over the cap.`);
  console.log(`sw.js: precaches ${entries.length} files, ${(size / 1e6).toFixed(1)} MB`);
  return { manifest: entries };
}

const serviceWorker = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'workers/sw',
  filename: 'sw.ts', // emitted as sw.js at the root; src/app/pwa.ts registers it
  injectRegister: false, // src/app/pwa.ts registers it with workbox-window
  manifest: false, // public/manifest.webmanifest is the app's own
  injectManifest: {
    // A classic script: module service workers are not supported everywhere.
    rollupFormat: 'iife',
    sourcemap: false,
    globPatterns: ['**/*.{html,js,mjs,css,wasm,png,svg,ico,webmanifest}'],
    // The model lives in IndexedDB, never in the precache.
    globIgnores: ['sw.js', '**/*.map', 'models/**', 'tmp-models/**', '**/*.onnx'],
    // Hashed file names need no revision.
    dontCacheBustURLsMatching: /^assets\/.+-[\w-]{8,}\./,
    maximumFileSizeToCacheInBytes: PRECACHE_MAX_FILE,
    manifestTransforms: [async (entries) => capPrecache(entries)],
  },
});

/**
 * Model files as `application/octet-stream` on the dev and preview servers. Neither knows `.onnx`
 * and sends no Content-Type, which the preview server's compression takes for text/plain: it
 * gzipped the 88 MB model on the fly for every download, 4–5 s on loopback instead of 0.4 s
 * (issue 10, first visit). nginx and the static-host files already send octet-stream, uncompressed.
 */
function modelMime(): Plugin {
  const octetStream = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    if (/\.onnx(\?|$)/.test(req.url ?? '')) {
      const set = res.setHeader.bind(res);
      res.setHeader = (name, value) =>
        set(name, name.toLowerCase() === 'content-type' && !value ? 'application/octet-stream' : value);
    }
    next();
  };
  return {
    name: 'jingjie-model-mime',
    configureServer: (server) => void server.middlewares.use(octetStream),
    configurePreviewServer: (server) => void server.middlewares.use(octetStream),
  };
}

/**
 * onnxruntime-web's builds that load their .mjs/.wasm from env.wasm.wasmPaths (our own /ort/ folder)
 * instead of inlining them into our bundle, so its pthread workers have a real URL. Shared with the
 * package's build (vite.lib.config.ts).
 */
/**
 * How every worker bundle is split (the app's and the package's, vite.lib.config.ts). WebKit
 * (2.50, so Safari too) evaluates a module worker's main script a second time when one of its
 * lazy chunks (onnxruntime, libheif) imports from it: two copies of every module, two Comlink
 * listeners, and the job answered by the copy that never loaded the model. So what the entry
 * shares with its lazy chunks goes to a chunk of its own; test/e2e/deploy.spec.ts checks the build.
 */
export const WORKER_OUTPUT = { codeSplitting: { groups: [{ name: 'shared', test: /src[\\/]shared/ }] } };

export const ORT_ALIASES = [
  {
    find: /^onnxruntime-web$/,
    replacement: fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/ort.min.mjs', import.meta.url)),
  },
  // The same without WebGPU: it loads the plain SIMD-threaded wasm (half the size of JSEP's).
  {
    find: /^onnxruntime-web\/wasm$/,
    replacement: fileURLToPath(
      new URL('./node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', import.meta.url),
    ),
  },
];

export default defineConfig({
  plugins: [react(), serviceWorker, modelMime()],
  resolve: { alias: ORT_ALIASES },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es', rolldownOptions: { output: WORKER_OUTPUT } },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173, strictPort: true },
});
