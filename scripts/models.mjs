#!/usr/bin/env node
// `npm run models`: prepares the segmentation graphs in public/models/ and writes models.json.
//
// Sources, first found wins:
//   1. RMBG_MODEL_DIR=<folder with briaai/RMBG-1.4's onnx/model*.onnx>   (official RMBG-1.4)
//   2. npm run models -- --from-hub   (downloads those files; needs network access to the hub)
//   3. default, offline: the IS-Net graphs inside @imgly/background-removal-data
// Every graph is pruned to its `output`; the imgly fp16 graph also yields an fp32 upcast.
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--out DIR` exists for trying the script without touching the app's public/models/.
const outArg = process.argv.indexOf('--out');
const OUT_DIR = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(ROOT, 'public/models');
const MANIFEST = path.join(OUT_DIR, 'models.json');
// Not part of the manifest the app reads: remembers how each file was made, for skipping.
const STAMPS = path.join(OUT_DIR, '.prepared.json');
// Bump when the preparation code changes what it writes.
const RECIPE = 4;

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
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual', headers, signal: AbortSignal.timeout(30_000) });
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
    if (expected.size && bytes.length !== expected.size) fail(`${url}: got ${bytes.length} bytes, expected ${expected.size}`);
    if (expected.sha256 && sha256(bytes) !== expected.sha256) fail(`${url}: sha256 mismatch`);
    fs.writeFileSync(part, bytes);
    fs.renameSync(part, dest);
  }
  return HUB_CACHE;
}

function prepare(variant) {
  const model = decodeModel(variant.from.load());
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
  noteInMetadata(model, 'jingjie.prepared', steps.join('; '));
  const bytes = encodeModel(model);
  const after = describe(decodeModel(bytes));
  return {
    bytes,
    steps,
    inputName: after.inputs[0].name,
    outputName,
    requiresF16: computesInFp16(model),
  };
}

async function checkLoads(file, inputName, outputName) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file);
  const ok = session.inputNames.includes(inputName) && session.outputNames.length === 1 && session.outputNames[0] === outputName;
  await session.release?.();
  if (!ok) throw new Error(`${file}: onnxruntime-node sees inputs ${session.inputNames} outputs ${session.outputNames}`);
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
    if (!fs.existsSync(IMGLY_PKG)) fail('node_modules/@imgly/background-removal-data is missing: run npm install');
    log('source: @imgly/background-removal-data (IS-Net; not RMBG-1.4)');
    family = imglyFamily();
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamps = readJson(STAMPS) ?? {};
  const previous = readJson(MANIFEST);
  const entries = [];
  for (const v of family.variants) {
    const dest = path.join(OUT_DIR, v.file);
    const recipe = sha256(JSON.stringify({ RECIPE, fingerprint: v.from.fingerprint, upcast: v.upcast }));
    const stamp = stamps[v.id];
    const old = previous?.variants?.find((e) => e.id === v.id);
    if (stamp?.recipe === recipe && old && fs.existsSync(dest) && fs.statSync(dest).size === old.bytes && sha256(fs.readFileSync(dest)) === old.sha256) {
      log(`${v.id}: up to date (${old.bytes} bytes)`);
      entries.push(old);
      continue;
    }
    log(`${v.id}: preparing ${v.file}`);
    const p = prepare(v);
    for (const s of p.steps) log(`  ${s}`);
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
    if (p.requiresF16 && entry.backends.includes('webgpu')) entry.requires = ['shader-f16'];
    if (p.requiresF16 && v.precision === 'fp32') log(`  warning: ${v.id} is labelled fp32 but computes in fp16`);
    entries.push(entry);
    stamps[v.id] = { recipe, steps: p.steps };
    log(`  ${entry.bytes} bytes, sha256 ${entry.sha256.slice(0, 12)}…`);
  }

  const ids = new Set(entries.map((e) => e.id));
  const wanted = DEFAULTS[family.family];
  const pick = (backend, preferred) => {
    if (ids.has(preferred)) return preferred;
    const fallback = entries.find((e) => e.backends.includes(backend) && (backend !== 'webgpu' || e.precision !== 'uint8'));
    return fallback?.id;
  };
  const defaults = { wasm: pick('wasm', wanted.wasm), webgpu: pick('webgpu', wanted.webgpu) };
  if (!defaults.webgpu) delete defaults.webgpu;
  const manifest = { version: 1, defaults, variants: entries };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  if (!fs.existsSync(MANIFEST) || fs.readFileSync(MANIFEST, 'utf8') !== text) writeAtomic(MANIFEST, text);
  fs.writeFileSync(STAMPS, JSON.stringify(stamps, null, 2) + '\n');
  log(`wrote ${path.relative(ROOT, MANIFEST)}: defaults wasm=${defaults.wasm} webgpu=${defaults.webgpu ?? '(none)'}`);
}

main().catch((err) => fail(err.stack ?? String(err)));
