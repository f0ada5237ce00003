// The speed bench's imgly resources.json: 1.7.0's model names map onto the 1.4.5 data package's
// chunks, every chunk exists with the size its offsets say, and the runtime is onnxruntime-web 1.21.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imglyResources } from '../bench/peers/serve';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = path.join(root, 'node_modules/@imgly/background-removal-data/dist');
const ortDir = path.join(root, 'node_modules/onnxruntime-web-121/dist');

describe('imgly 1.7.0 resources from the 1.4.5 data package', () => {
  const res = imglyResources(dataDir, ortDir);

  it('has the entries imgly 1.7.0 asks for on the CPU', () => {
    for (const key of [
      '/models/isnet_quint8',
      '/models/isnet_fp16',
      '/onnxruntime-web/ort-wasm-simd-threaded.wasm',
      '/onnxruntime-web/ort-wasm-simd-threaded.mjs',
    ])
      expect(res[key], key).toBeDefined();
    expect(res['/onnxruntime-web/ort-wasm-simd-threaded.mjs'].mime).toBe('text/javascript');
  });

  it('chunks are contiguous, exist, and add up to the entry size', () => {
    for (const [key, e] of Object.entries(res)) {
      let at = 0;
      for (const c of e.chunks) {
        expect(c.offsets[0], key).toBe(at);
        const file = c.name.startsWith('chunks/')
          ? path.join(dataDir, c.name.slice('chunks/'.length))
          : path.join(ortDir, c.name.slice('ort/'.length));
        expect(fs.statSync(file).size, c.name).toBe(c.offsets[1] - c.offsets[0]);
        at = c.offsets[1];
      }
      expect(at, key).toBe(e.size);
    }
  });

  it('uses onnxruntime-web 1.21.0, the peer imgly 1.7.0 was built for', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ortDir, '../package.json'), 'utf8')) as {
      version: string;
    };
    expect(pkg.version).toBe('1.21.0');
  });
});
