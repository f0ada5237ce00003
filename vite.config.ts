// Vite: React app + module workers. Dev and preview servers send COOP/COEP so the page is
// cross-origin isolated and onnxruntime-web can use WASM threads. The production build also
// emits the service worker (workers/sw/sw.ts) with its precache manifest injected by workbox-build.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { ISOLATION_HEADERS } from './src/shared/headers.js';

const isolation = { ...ISOLATION_HEADERS };

/** Largest single file the service worker precaches: the onnxruntime-web .wasm is ~28 MB. */
const PRECACHE_MAX_FILE = 40 * 1024 * 1024;
/** Refuse a build whose precache grows past this: it is downloaded on every install. */
const PRECACHE_MAX_TOTAL = 64 * 1024 * 1024;

function serviceWorker(): Plugin {
  let root = '';
  let outDir = '';
  return {
    name: 'jingjie-service-worker',
    apply: 'build',
    configResolved(c) {
      root = c.root;
      outDir = resolve(c.root, c.build.outDir);
    },
    async closeBundle() {
      const { build } = await import('vite');
      const swFile = resolve(outDir, 'sw.js');
      // The worker is bundled on its own, as a classic script (module service workers are not
      // supported everywhere), before the precache manifest is injected into it.
      await build({
        configFile: false,
        root,
        logLevel: 'warn',
        publicDir: false,
        define: { 'process.env.NODE_ENV': JSON.stringify('production') },
        build: {
          outDir,
          emptyOutDir: false,
          sourcemap: false,
          target: 'es2022',
          copyPublicDir: false,
          lib: {
            entry: resolve(root, 'workers/sw/sw.ts'),
            formats: ['iife'],
            name: 'jingjieServiceWorker',
            fileName: () => 'sw.js',
          },
        },
      });
      const { injectManifest } = await import('workbox-build');
      const { count, size, warnings } = await injectManifest({
        swSrc: swFile,
        swDest: swFile,
        globDirectory: outDir,
        globPatterns: ['**/*.{html,js,mjs,css,wasm,png,svg,ico,webmanifest}'],
        // The model lives in IndexedDB, never in the precache.
        globIgnores: ['sw.js', '**/*.map', 'models/**', 'tmp-models/**', '**/*.onnx'],
        // Hashed file names need no revision.
        dontCacheBustURLsMatching: /^assets\/.+-[\w-]{8,}\./,
        maximumFileSizeToCacheInBytes: PRECACHE_MAX_FILE,
      });
      for (const w of warnings) this.warn(w);
      if (size > PRECACHE_MAX_TOTAL) this.error(`Precache is ${(size / 1e6).toFixed(1)} MB, over the cap.`);
      console.log(`sw.js: precaches ${count} files, ${(size / 1e6).toFixed(1)} MB`);
    },
  };
}

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

export default defineConfig({
  plugins: [react(), serviceWorker(), modelMime()],
  resolve: {
    alias: [
      // The build that loads its .mjs/.wasm from env.wasm.wasmPaths (our own /ort/ folder)
      // instead of inlining them into our bundle, so its pthread workers have a real URL.
      {
        find: /^onnxruntime-web$/,
        replacement: fileURLToPath(
          new URL('./node_modules/onnxruntime-web/dist/ort.min.mjs', import.meta.url),
        ),
      },
      // The same without WebGPU: it loads the plain SIMD-threaded wasm (half the size of JSEP's).
      {
        find: /^onnxruntime-web\/wasm$/,
        replacement: fileURLToPath(
          new URL('./node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', import.meta.url),
        ),
      },
    ],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173, strictPort: true },
});
