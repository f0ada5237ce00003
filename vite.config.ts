// Vite: React app + module workers. Dev and preview servers send COOP/COEP so the page is
// cross-origin isolated and onnxruntime-web can use WASM threads.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: [
      // The build that loads its .mjs/.wasm from env.wasm.wasmPaths (our own /ort/ folder)
      // instead of inlining them into our bundle, so its pthread workers have a real URL.
      {
        find: /^onnxruntime-web$/,
        replacement: fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/ort.min.mjs', import.meta.url)),
      },
    ],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173, strictPort: true },
});
