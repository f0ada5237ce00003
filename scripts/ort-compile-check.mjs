// Size and WebAssembly.compile time of onnxruntime-web's two wasm builds in headless Chromium,
// interleaved, 5 each (npm run build first): npx tsx scripts/ort-compile-check.mjs
import { chromium } from '@playwright/test';
import { serveStatic } from './serve-static.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/chromium.mjs';
const server = await serveStatic({ root: 'dist', port: 4224, isolate: true });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const page = await browser.newPage();
await page.goto('http://127.0.0.1:4224/manifest.webmanifest');
const r = await page.evaluate(async () => {
  const out = { plain: [], jsep: [] };
  const bytes = {};
  for (const [k, f] of [
    ['plain', 'ort-wasm-simd-threaded.wasm'],
    ['jsep', 'ort-wasm-simd-threaded.jsep.wasm'],
  ])
    bytes[k] = await (await fetch('/ort/' + f)).arrayBuffer();
  for (let i = 0; i < 5; i++)
    for (const k of i % 2 ? ['plain', 'jsep'] : ['jsep', 'plain']) {
      const t = performance.now();
      await WebAssembly.compile(bytes[k]);
      out[k].push(Math.round(performance.now() - t));
    }
  return { out, size: { plain: bytes.plain.byteLength, jsep: bytes.jsep.byteLength } };
});
console.log(JSON.stringify(r));
await browser.close();
await server.close();
