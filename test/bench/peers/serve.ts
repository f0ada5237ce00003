// Serves the imgly bench harness on 127.0.0.1 with COOP/COEP (so imgly gets WASM threads as the
// app does): the page bundled with esbuild, where `onnxruntime-web` is the 1.21.0 alias that
// @imgly/background-removal 1.7.0 was built for; a 1.7.0-style resources.json generated from the
// chunks of @imgly/background-removal-data 1.4.5 (the same models); onnxruntime-web 1.21's runtime.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';

export interface ImglyHarness {
  /** The harness page; add `?model=isnet_quint8` or `?model=isnet_fp16`. */
  url: string;
  /** Where the generated resources.json was written. */
  resourcesPath: string;
  close(): Promise<void>;
}

interface Chunk {
  name: string;
  offsets: [number, number];
}
interface Entry {
  chunks: Chunk[];
  size: number;
  mime: string;
}
type Resources = Record<string, Entry>;

/** imgly 1.7.0's model names for the 1.4.5 data package's entries. */
const MODELS: Record<string, string> = {
  '/models/isnet_quint8': '/models/small',
  '/models/isnet_fp16': '/models/medium',
};
/** onnxruntime-web 1.21 files imgly asks for (the JSEP pair only with device 'gpu'). */
const ORT_FILES = /^ort-wasm-simd-threaded(\.jsep)?\.(wasm|mjs)$/;
const HASH = /^[0-9a-f]{64}$/;

/** The 1.7.0-style resources.json: model chunks from the 1.4.5 data package, ort 1.21's runtime. */
export function imglyResources(dataDir: string, ortDir: string): Resources {
  const old = JSON.parse(fs.readFileSync(path.join(dataDir, 'resources.json'), 'utf8')) as Record<
    string,
    { chunks: { hash: string; offsets: [number, number] }[]; size: number; mime: string }
  >;
  const out: Resources = {};
  for (const [key, from] of Object.entries(MODELS)) {
    const e = old[from];
    if (!e) throw new Error(`imgly data: no ${from} in resources.json`);
    out[key] = {
      size: e.size,
      mime: 'application/octet-stream',
      chunks: e.chunks.map((c) => ({ name: `chunks/${c.hash}`, offsets: c.offsets })),
    };
  }
  for (const file of fs.readdirSync(ortDir).filter((f) => ORT_FILES.test(f))) {
    const size = fs.statSync(path.join(ortDir, file)).size;
    out[`/onnxruntime-web/${file}`] = {
      size,
      // imgly turns each resource into a Blob URL of this type: the .mjs must be JavaScript.
      mime: file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
      chunks: [{ name: `ort/${file}`, offsets: [0, size] }],
    };
  }
  return out;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export async function startImglyHarness(opts: {
  root: string;
  port: number;
  /** An ignored folder for the bundle and resources.json (emptied first). */
  outDir: string;
}): Promise<ImglyHarness> {
  const here = path.join(opts.root, 'test/bench/peers');
  const dataDir = path.join(opts.root, 'node_modules/@imgly/background-removal-data/dist');
  const ortDir = path.join(opts.root, 'node_modules/onnxruntime-web-121/dist');
  for (const dir of [dataDir, ortDir])
    if (!fs.existsSync(dir)) throw new Error(`imgly harness: ${dir} is missing; run npm install`);
  fs.rmSync(opts.outDir, { recursive: true, force: true });
  fs.mkdirSync(opts.outDir, { recursive: true });

  await build({
    entryPoints: [path.join(here, 'harness.ts')],
    outfile: path.join(opts.outDir, 'harness.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // imgly 1.7.0 imports `onnxruntime-web` (and `/webgpu`); give it the 1.21.0 it was built for.
    alias: { 'onnxruntime-web': 'onnxruntime-web-121' },
    logLevel: 'warning',
    absWorkingDir: opts.root,
  });
  const resourcesPath = path.join(opts.outDir, 'resources.json');
  fs.writeFileSync(resourcesPath, JSON.stringify(imglyResources(dataDir, ortDir), null, 2));

  const route = (pathname: string): string | undefined => {
    if (pathname === '/' || pathname === '/index.html') return path.join(here, 'index.html');
    if (pathname === '/harness.js') return path.join(opts.outDir, 'harness.js');
    if (pathname === '/imgly/resources.json') return resourcesPath;
    const chunk = /^\/imgly\/chunks\/([^/]+)$/.exec(pathname)?.[1];
    if (chunk && HASH.test(chunk)) return path.join(dataDir, chunk);
    const ort = /^\/imgly\/ort\/([^/]+)$/.exec(pathname)?.[1];
    if (ort && ORT_FILES.test(ort)) return path.join(ortDir, ort);
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const file = route(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (!file || !fs.existsSync(file) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': fs.statSync(file).size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${opts.port}/`,
    resourcesPath,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
