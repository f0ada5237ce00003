#!/usr/bin/env node
// Oracle: BRIA's RMBG-1.4 reference inference (utilities.py) redone plainly in Node with
// onnxruntime-node. Kept deliberately simple and separate from the app's own pipeline.
//
//   node test/reference/reference.mjs --model public/models/X.onnx --in photo.png --out mask.png
//   node test/reference/reference.mjs --all      # regenerate test/fixtures/reference/**
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';

const SIZE = 1024;
const f32 = Math.fround;

/** Decode a PNG into planar float32 RGB (0..255), dropping alpha, widening grey to RGB. */
export function decodePng(bytes) {
  const png = PNG.sync.read(bytes); // always 8-bit RGBA after decoding
  const { width, height, data } = png;
  const planes = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      planes[p] = data[p * 4];
      planes[width * height + p] = data[p * 4 + 1];
      planes[2 * width * height + p] = data[p * 4 + 2];
    }
  }
  return { width, height, channels: 3, planes };
}

/**
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False, antialias=False) on
 * planar float32 data, following ATen's CPU kernel: source index (dst + 0.5) * in/out - 0.5,
 * clamped at 0; the far neighbour clamped at the edge; arithmetic in float32.
 */
export function resizeBilinear(src, channels, inH, inW, outH, outW) {
  const out = new Float32Array(channels * outH * outW);
  const scaleH = f32(inH / outH);
  const scaleW = f32(inW / outW);
  const source = (dst, scale) => {
    const s = f32(f32(scale * f32(dst + 0.5)) - 0.5);
    return s < 0 ? 0 : s;
  };
  for (let oy = 0; oy < outH; oy++) {
    const sy = source(oy, scaleH);
    const y0 = Math.floor(sy);
    const y1 = y0 < inH - 1 ? y0 + 1 : y0;
    const ly1 = f32(sy - y0);
    const ly0 = f32(1 - ly1);
    for (let ox = 0; ox < outW; ox++) {
      const sx = source(ox, scaleW);
      const x0 = Math.floor(sx);
      const x1 = x0 < inW - 1 ? x0 + 1 : x0;
      const lx1 = f32(sx - x0);
      const lx0 = f32(1 - lx1);
      for (let c = 0; c < channels; c++) {
        const base = c * inH * inW;
        const a = src[base + y0 * inW + x0];
        const b = src[base + y0 * inW + x1];
        const d = src[base + y1 * inW + x0];
        const e = src[base + y1 * inW + x1];
        const top = f32(f32(lx0 * a) + f32(lx1 * b));
        const bottom = f32(f32(lx0 * d) + f32(lx1 * e));
        out[c * outH * outW + oy * outW + ox] = f32(f32(ly0 * top) + f32(ly1 * bottom));
      }
    }
  }
  return out;
}

/** preprocess_image: resize to 1024x1024, then x/255, then (x - 0.5) / 1.0. NCHW float32. */
export function preprocess(image) {
  const resized = resizeBilinear(image.planes, 3, image.height, image.width, SIZE, SIZE);
  const input = new Float32Array(resized.length);
  for (let i = 0; i < resized.length; i++) input[i] = f32(f32(resized[i] / 255) - 0.5);
  return input;
}

/** postprocess_image: resize back, min-max normalise, *255, astype(uint8) (truncation). */
export function postprocess(output, outH, outW, width, height) {
  const result = resizeBilinear(output, 1, outH, outW, height, width);
  let mi = Infinity;
  let ma = -Infinity;
  for (const v of result) {
    if (v < mi) mi = v;
    if (v > ma) ma = v;
  }
  const range = f32(ma - mi);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < result.length; i++) {
    const v = f32(f32(f32(result[i] - mi) / range) * 255);
    mask[i] = Math.trunc(v); // in 0..255 here; numpy's astype(uint8) truncates toward zero
  }
  return mask;
}

const sessions = new Map();
async function session(modelPath) {
  if (!sessions.has(modelPath)) sessions.set(modelPath, await ort.InferenceSession.create(modelPath));
  return sessions.get(modelPath);
}

/** Full reference: PNG bytes in, {width, height, mask (Uint8Array, one byte per pixel)} out. */
export async function referenceMask(modelPath, pngBytes, outputName = 'output') {
  const image = decodePng(pngBytes);
  const s = await session(modelPath);
  const inputName = s.inputNames[0];
  const feeds = { [inputName]: new ort.Tensor('float32', preprocess(image), [1, 3, SIZE, SIZE]) };
  const results = await s.run(feeds, [outputName]);
  const out = results[outputName];
  const [, , outH, outW] = out.dims;
  const mask = postprocess(out.data, outH, outW, image.width, image.height);
  return { width: image.width, height: image.height, mask };
}

export function encodeGreyPng(width, height, mask) {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(mask);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Regenerate test/fixtures/reference/<variant>/<photo>.png for every manifest variant. */
async function regenerateAll(root) {
  const manifestPath = path.join(root, 'public/models/models.json');
  if (!fs.existsSync(manifestPath))
    throw new Error('public/models/models.json is missing: run `npm run models` first');
  const models = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const photoDir = path.join(root, 'test/fixtures/photos');
  const photos = fs
    .readdirSync(photoDir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const outRoot = path.join(root, 'test/fixtures/reference');
  const record = { version: 1, generator: 'test/reference/reference.mjs', masks: [] };
  for (const v of models.variants) {
    const modelPath = path.join(root, 'public/models', v.file);
    const modelSha = sha256(fs.readFileSync(modelPath));
    if (modelSha !== v.sha256)
      throw new Error(`${v.file}: sha256 differs from models.json; rerun npm run models`);
    fs.mkdirSync(path.join(outRoot, v.id), { recursive: true });
    for (const photo of photos) {
      const photoBytes = fs.readFileSync(path.join(photoDir, photo));
      const { width, height, mask } = await referenceMask(modelPath, photoBytes, v.outputName);
      const out = path.join(outRoot, v.id, photo);
      fs.writeFileSync(out, encodeGreyPng(width, height, mask));
      record.masks.push({
        variant: v.id,
        photo,
        mask: path.relative(outRoot, out).split(path.sep).join('/'),
        width,
        height,
        modelFile: v.file,
        modelSha256: modelSha,
        photoSha256: sha256(photoBytes),
        maskSha256: sha256(fs.readFileSync(out)),
      });
      console.log(`${v.id} ${photo} ${width}x${height}`);
    }
  }
  fs.writeFileSync(path.join(outRoot, 'manifest.json'), JSON.stringify(record, null, 2) + '\n');
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--all') args.all = true;
    else if (a.startsWith('--')) args[a.slice(2)] = argv[++i];
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  if (args.all) return regenerateAll(root);
  if (!args.model || !args.in || !args.out) {
    console.error(
      'usage: reference.mjs --model M.onnx --in photo.png --out mask.png [--output output]\n       reference.mjs --all',
    );
    process.exit(2);
  }
  const { width, height, mask } = await referenceMask(
    args.model,
    fs.readFileSync(args.in),
    args.output ?? 'output',
  );
  fs.writeFileSync(args.out, encodeGreyPng(width, height, mask));
  console.log(`${args.out}: ${width}x${height}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err.message ?? err);
    process.exit(1);
  });
}
