#!/usr/bin/env node
// `npm run models`: prepares the segmentation graphs in public/models/ and writes models.json.
//
// Sources, first found wins:
//   1. RMBG_MODEL_DIR=<folder with briaai/RMBG-1.4's onnx/model*.onnx>   (official RMBG-1.4)
//   2. npm run models -- --from-hub   (downloads those files; needs network access to the hub)
//   3. default, offline: the IS-Net graphs inside @imgly/background-removal-data
// Every graph is pruned to its `output`; the imgly fp16 graph also yields an fp32 upcast; graphs
// that compute in float32/int8 are then optimised offline by onnxruntime-node ('basic' level), and
// where that leaves nothing for onnxruntime to fuse, the browser creates their WASM sessions with
// graph optimisation disabled (docs/models.md, "Warm load"); the float16 graph's at 'extended'
// (docs/speed.md, "Session level").
// Re-running is cheap: a variant whose file, size, sha256 and recipe match is left alone.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { computesInFp16, decodeModel, describe, encodeModel } from './onnx/model-io.mjs';
import { pruneOutputs } from './onnx/prune.mjs';
import { noteInMetadata, upcastFp16 } from './onnx/upcast.mjs';
import { ensureFloatIO } from './onnx/float-io.mjs';
import { assembleChunks } from './onnx/imgly.mjs';
import { dropCeilMode } from './onnx/ceil-mode.mjs';
import { OFFLINE_LEVEL, extendedAddsNothing, optimizeOffline } from './onnx/optimize.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--out DIR` exists for trying the script without touching the app's public/models/.
const outArg = process.argv.indexOf('--out');
const OUT_DIR = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(ROOT, 'public/models');
const MANIFEST = path.join(OUT_DIR, 'models.json');
// Not part of the manifest the app reads: remembers how each file was made, for skipping.
const STAMPS = path.join(OUT_DIR, '.prepared.json');
// Bump when the preparation code changes what it writes.
const RECIPE = 8;
const ORT_NODE_VERSION = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8'),
).version;

const IMGLY_PKG = path.join(ROOT, 'node_modules/@imgly/background-removal-data');
const HUB_BASE = 'https://huggingface.co/briaai/RMBG-1.4/resolve/main/onnx/';
const HUB_CACHE = path.join(ROOT, 'node_modules/.cache/jingjie-rmbg-1.4');

const RMBG_SOURCE = 'briaai/RMBG-1.4';
const RMBG_LICENCE = 'bria-rmbg-1.4 (non-commercial use only without an agreement with BRIA)';

// Chosen from the measurements in docs/models.md: on WASM the fp16-weight graph runs as fast
// as the fp32 one (onnxruntime widens it at load) at half the download, and agrees with the
// float reference to within 1/255; uint8 is faster but visibly off at edges. WebGPU gets fp32,
// which needs no shader-f16 and is the reference itself. RMBG picks mirror this, unmeasured.
const DEFAULTS = {
  imgly: { wasm: 'isnet-fp16', webgpu: 'isnet-fp32' },
  rmbg: { wasm: 'rmbg-1.4-fp16', webgpu: 'rmbg-1.4-fp32' },
};

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const log = (...a) => console.log('[models]', ...a);

function fail(message) {
  console.error(`[models] error: ${message}`);
  process.exit(1);
}

function imglyFamily() {
  const pkg = JSON.parse(fs.readFileSync(path.join(IMGLY_PKG, 'package.json'), 'utf8'));
  const v = pkg.version;
  const dist = path.join(IMGLY_PKG, 'dist');
  const resources = JSON.parse(fs.readFileSync(path.join(dist, 'resources.json'), 'utf8'));
  const source = `@imgly/background-removal-data ${v} (IS-Net, DIS general-use weights)`;
  const licence =
    `AGPL-3.0 (the @imgly/background-removal-data ${v} package's LICENSE.md is the GNU Affero General ` +
    'Public License v3 text); upstream IS-Net/DIS weights: Apache-2.0';
  const fromChunks = (key) => ({
    fingerprint: `${key}:${resources[key].chunks.map((c) => c.hash).join(',')}`,
    load: () => assembleChunks(dist, key).bytes,
  });
  return {
    family: 'imgly',
    variants: [
      {
        id: 'isnet-uint8',
        name: `IS-Net uint8 (imgly ${v})`,
        file: 'isnet-uint8.onnx',
        precision: 'uint8',
        backends: ['wasm'],
        source,
        licence,
        from: fromChunks('/models/small'),
        upcast: false,
      },
      {
        id: 'isnet-fp16',
        name: `IS-Net fp16 (imgly ${v})`,
        file: 'isnet-fp16.onnx',
        precision: 'fp16',
        backends: ['wasm', 'webgpu'],
        source,
        licence,
        from: fromChunks('/models/medium'),
        upcast: false,
      },
      {
        id: 'isnet-fp32',
        name: `IS-Net fp32, widened from fp16 (imgly ${v})`,
        file: 'isnet-fp32.onnx',
        precision: 'fp32',
        backends: ['wasm', 'webgpu'],
        source,
        licence,
        from: fromChunks('/models/medium'),
        upcast: true,
      },
    ],
  };
}

const RMBG_FILES = [
  { id: 'rmbg-1.4-fp32', file: 'model.onnx', precision: 'fp32', backends: ['wasm', 'webgpu'] },
  { id: 'rmbg-1.4-fp16', file: 'model_fp16.onnx', precision: 'fp16', backends: ['wasm', 'webgpu'] },
  { id: 'rmbg-1.4-uint8', file: 'model_quantized.onnx', precision: 'uint8', backends: ['wasm'] },
];

function rmbgFamily(dir) {
  const variants = [];
  for (const f of RMBG_FILES) {
    const found = [path.join(dir, 'onnx', f.file), path.join(dir, f.file)].find((p) => fs.existsSync(p));
    if (!found) continue;
    const stat = fs.statSync(found);
    variants.push({
      id: f.id,
      name: `RMBG-1.4 (${f.precision})`,
      file: `${f.id}.onnx`,
      precision: f.precision,
      backends: f.backends,
      source: RMBG_SOURCE,
      licence: RMBG_LICENCE,
      from: { fingerprint: `${found}:${stat.size}:${stat.mtimeMs}`, load: () => fs.readFileSync(found) },
      upcast: false,
    });
  }
  if (!variants.length) {
    fail(`RMBG_MODEL_DIR=${dir} holds none of ${RMBG_FILES.map((f) => 'onnx/' + f.file).join(', ')}`);
  }
  return { family: 'rmbg', variants };
}

/** Opt-in download of the official files; staged as .part and renamed when complete. */
async function downloadFromHub() {
  const dir = path.join(HUB_CACHE, 'onnx');
  fs.mkdirSync(dir, { recursive: true });
  const headers = process.env.HF_TOKEN ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {};
  for (const f of RMBG_FILES) {
    const dest = path.join(dir, f.file);
    const url = HUB_BASE + f.file;
    let expected;
    try {
      // The hub answers the first hop with the LFS object's sha256 and size.
      const head = await fetch(url, {
        method: 'HEAD',
        redirect: 'manual',
        headers,
        signal: AbortSignal.timeout(30_000),
      });
      if (head.status === 401 || head.status === 403) {
        throw new Error(`HTTP ${head.status}: accept the model's terms on the hub and set HF_TOKEN`);
      }
      if (head.status >= 400) throw new Error(`HTTP ${head.status}`);
      const etag = (head.headers.get('x-linked-etag') ?? '').replace(/"/g, '');
      expected = {
        sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : undefined,
        size: Number(head.headers.get('x-linked-size')) || undefined,
      };
    } catch (err) {
      fail(
        `could not reach ${url} (${err.cause?.code ?? err.message}). ` +
          'Download the RMBG-1.4 onnx files by hand and point RMBG_MODEL_DIR at their folder instead.',
      );
    }
    if (fs.existsSync(dest) && expected.sha256 && sha256(fs.readFileSync(dest)) === expected.sha256) {
      log(`${f.file}: already downloaded`);
      continue;
    }
    log(`downloading ${url}`);
    const res = await fetch(url, { headers });
    if (!res.ok) fail(`${url}: HTTP ${res.status}`);
    const part = `${dest}.part`;
    const bytes = Buffer.from(await res.arrayBuffer());
    if (expected.size && bytes.length !== expected.size)
      fail(`${url}: got ${bytes.length} bytes, expected ${expected.size}`);
    if (expected.sha256 && sha256(bytes) !== expected.sha256) fail(`${url}: sha256 mismatch`);
    fs.writeFileSync(part, bytes);
    fs.renameSync(part, dest);
  }
  return HUB_CACHE;
}

async function prepare(variant) {
  let model = decodeModel(variant.from.load());
  const io = describe(model);
  const outputName = io.outputs.some((o) => o.name === 'output') ? 'output' : io.outputs[0].name;
  const steps = [];
  const pruned = pruneOutputs(model, [outputName]);
  steps.push(
    `pruned to ${outputName}: outputs ${pruned.before.outputs}->${pruned.after.outputs}, ` +
      `nodes ${pruned.before.nodes}->${pruned.after.nodes}, initializers ${pruned.before.initializers}->${pruned.after.initializers}`,
  );
  const castIO = ensureFloatIO(model);
  if (castIO.length) steps.push(`float32 I/O for ${castIO.join(', ')}`);
  if (variant.upcast) {
    const s = upcastFp16(model);
    steps.push(`fp16->fp32: ${s.initializers} initializers widened, ${s.castsRemoved} casts removed`);
  }
  const pools = dropCeilMode(model);
  if (pools) steps.push(`ceil_mode dropped on ${pools} pools (WebGPU has no ceil_mode kernel)`);
  const requiresF16 = computesInFp16(model);
  let preOptimized;
  let unoptimized;
  let wasmLevel;
  if (!requiresF16) {
    // Not for float16 compute: onnxruntime-node would bake its CPU-only float32 casts in.
    unoptimized = encodeModel(model);
    const before = model.graph.node.length;
    const o = await optimizeOffline(unoptimized, OFFLINE_LEVEL);
    model = o.model;
    preOptimized = OFFLINE_LEVEL;
    steps.push(
      `optimised offline by onnxruntime-node ${o.ortVersion} at level ${OFFLINE_LEVEL}: nodes ${before}->${o.nodes}`,
    );
    // 'disabled' in the browser only where the online 'extended'/'all' passes would fuse nothing
    // more (the uint8 ConvInteger graph); a float graph keeps its Conv+Relu fusions with 'all'.
    wasmLevel = (await extendedAddsNothing(unoptimized)) ? 'disabled' : undefined;
  } else {
    // A float16 graph on WASM: 'extended' keeps the Cast clean-up and Conv+Relu fusions but skips
    // the NCHWc layout pass of 'all', which took ≈ 1.3 s more at every session start and ≈ 165 MB
    // more memory for ≈ 1 % less inference time (docs/speed.md, "Session level").
    wasmLevel = 'extended';
  }
  noteInMetadata(model, 'jingjie.prepared', steps.join('; '));
  if (preOptimized) noteInMetadata(model, 'jingjie.preOptimized', preOptimized);
  const bytes = encodeModel(model);
  const after = describe(decodeModel(bytes));
  return {
    bytes,
    unoptimized,
    steps,
    inputName: after.inputs[0].name,
    outputName,
    requiresF16,
    preOptimized,
    wasmLevel,
  };
}

/** A deterministic 1×3×S×S input in the models' range (x/255 − 0.5). */
function probeInput(dims) {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 16) / 65536 - 0.5;
  }
  return data;
}

/**
 * The offline-optimised graph must compute what the graph before it computed: both run natively
 * with optimisation disabled on the same input, and `output` must agree to float rounding.
 */
async function checkOptimized(unoptimized, optimized, inputName, outputName) {
  const ort = await import('onnxruntime-node');
  const outputs = [];
  for (const bytes of [unoptimized, optimized]) {
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const dims = describe(decodeModel(bytes)).inputs[0].dims.map((d) => (typeof d === 'number' ? d : 1));
    const r = await session.run({ [inputName]: new ort.Tensor('float32', probeInput(dims), dims) }, [
      outputName,
    ]);
    outputs.push(r[outputName].data);
    await session.release?.();
  }
  const [a, b] = outputs;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  if (a.length !== b.length || !(max <= 1e-5))
    throw new Error(`offline optimisation changed ${outputName}: max |diff| ${max}`);
  return max;
}

async function checkLoads(file, inputName, outputName) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file);
  const ok =
    session.inputNames.includes(inputName) &&
    session.outputNames.length === 1 &&
    session.outputNames[0] === outputName;
  await session.release?.();
  if (!ok)
    throw new Error(
      `${file}: onnxruntime-node sees inputs ${session.inputNames} outputs ${session.outputNames}`,
    );
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeAtomic(file, bytes) {
  const part = `${file}.part`;
  fs.writeFileSync(part, bytes);
  fs.renameSync(part, file);
}

async function main() {
  const args = new Set(process.argv.slice(2));
  let family;
  if (process.env.RMBG_MODEL_DIR) {
    log(`source: RMBG_MODEL_DIR (${RMBG_SOURCE})`);
    family = rmbgFamily(path.resolve(process.env.RMBG_MODEL_DIR));
  } else if (args.has('--from-hub')) {
    log(`source: ${RMBG_SOURCE} from the hub (opt-in)`);
    family = rmbgFamily(await downloadFromHub());
  } else {
    if (!fs.existsSync(IMGLY_PKG))
      fail('node_modules/@imgly/background-removal-data is missing: run npm install');
    log('source: @imgly/background-removal-data (IS-Net; not RMBG-1.4)');
    family = imglyFamily();
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamps = readJson(STAMPS) ?? {};
  const previous = readJson(MANIFEST);
  const entries = [];
  // The static int8 QDQ graph is research (research/int8/build.mjs adds it here): install builds
  // only what the app ships, so a research graph left by an earlier run goes.
  for (const file of ['isnet-int8.onnx']) fs.rmSync(path.join(OUT_DIR, file), { force: true });
  delete stamps['isnet-int8'];
  for (const v of family.variants) {
    const dest = path.join(OUT_DIR, v.file);
    const recipe = sha256(
      JSON.stringify({
        RECIPE,
        fingerprint: v.from.fingerprint,
        upcast: v.upcast,
        optimize: OFFLINE_LEVEL,
        ort: ORT_NODE_VERSION,
      }),
    );
    const stamp = stamps[v.id];
    const old = previous?.variants?.find((e) => e.id === v.id);
    if (
      stamp?.recipe === recipe &&
      old &&
      fs.existsSync(dest) &&
      fs.statSync(dest).size === old.bytes &&
      sha256(fs.readFileSync(dest)) === old.sha256
    ) {
      log(`${v.id}: up to date (${old.bytes} bytes)`);
      entries.push(old);
      continue;
    }
    log(`${v.id}: preparing ${v.file}`);
    const p = await prepare(v);
    for (const s of p.steps) log(`  ${s}`);
    if (p.preOptimized || p.wasmLevel)
      log(
        `  WASM sessions: graphOptimizationLevel ${p.wasmLevel ? `'${p.wasmLevel}'` : "'all' ('extended' would still fuse nodes)"}`,
      );
    if (p.preOptimized) {
      const diff = await checkOptimized(p.unoptimized, p.bytes, p.inputName, p.outputName);
      log(`  optimised graph agrees with the unoptimised one: max |diff| ${diff}`);
    }
    writeAtomic(dest, p.bytes);
    await checkLoads(dest, p.inputName, p.outputName);
    const entry = {
      id: v.id,
      name: v.name,
      file: v.file,
      bytes: p.bytes.length,
      sha256: sha256(p.bytes),
      precision: v.precision,
      source: v.source,
      licence: v.licence,
      // A uint8-quantized graph never goes to WebGPU.
      backends: v.precision === 'uint8' ? v.backends.filter((b) => b !== 'webgpu') : v.backends,
      inputName: p.inputName,
      outputName: p.outputName,
      pruned: true,
    };
    // The offline pass already did what the browser would redo: where nothing else is left to
    // fuse, WASM sessions start without it (docs/models.md "Warm load").
    if (p.preOptimized) entry.preOptimized = p.preOptimized;
    if (p.wasmLevel) entry.wasmGraphOptimization = p.wasmLevel;
    if (p.requiresF16 && entry.backends.includes('webgpu')) entry.requires = ['shader-f16'];
    if (p.requiresF16 && v.precision === 'fp32')
      log(`  warning: ${v.id} is labelled fp32 but computes in fp16`);
    entries.push(entry);
    stamps[v.id] = { recipe, steps: p.steps };
    log(`  ${entry.bytes} bytes, sha256 ${entry.sha256.slice(0, 12)}…`);
  }

  const ids = new Set(entries.map((e) => e.id));
  const wanted = DEFAULTS[family.family];
  const pick = (backend, preferred) => {
    if (ids.has(preferred)) return preferred;
    const fallback = entries.find(
      (e) => e.backends.includes(backend) && (backend !== 'webgpu' || e.precision !== 'uint8'),
    );
    return fallback?.id;
  };
  const defaults = { wasm: pick('wasm', wanted.wasm), webgpu: pick('webgpu', wanted.webgpu) };
  if (!defaults.webgpu) delete defaults.webgpu;
  const manifest = { version: 1, defaults, variants: entries };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  if (!fs.existsSync(MANIFEST) || fs.readFileSync(MANIFEST, 'utf8') !== text) writeAtomic(MANIFEST, text);
  // Atomic: the stamps file may be a hard link shared with another checkout.
  writeAtomic(STAMPS, JSON.stringify(stamps, null, 2) + '\n');
  log(
    `wrote ${path.relative(ROOT, MANIFEST)}: defaults wasm=${defaults.wasm} webgpu=${defaults.webgpu ?? '(none)'}`,
  );
}

main().catch((err) => fail(err.stack ?? String(err)));
