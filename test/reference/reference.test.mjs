// Checks the oracle's resize against values PyTorch's F.interpolate(bilinear, align_corners=False)
// gives, and its post-processing against numpy's truncating astype(uint8).
import test from 'node:test';
import assert from 'node:assert/strict';
import { resizeBilinear, postprocess, encodeGreyPng, decodePng } from './reference.mjs';

test('2x2 -> 4x4 upsample matches torch', () => {
  const out = resizeBilinear(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 4, 4);
  assert.deepEqual(
    Array.from(out),
    [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
  );
});

test('downsample has no antialias: 1x4 -> 1x2 samples between pixel pairs', () => {
  const out = resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 1, 4, 1, 2);
  assert.deepEqual(Array.from(out), [0.5, 2.5]);
});

test('non-integer scale (3 -> 2) matches torch', () => {
  // torch: F.interpolate(torch.tensor([[[[0., 10., 20.]]]]), size=(1, 2), mode='bilinear') -> [2.5, 17.5]
  const out = resizeBilinear(Float32Array.from([0, 10, 20]), 1, 1, 3, 1, 2);
  assert.deepEqual(Array.from(out), [2.5, 17.5]);
});

test('postprocess min-max normalises and truncates', () => {
  const mask = postprocess(Float32Array.from([0.2, 0.4, 0.6, 1.0]), 2, 2, 2, 2);
  // (v - 0.2) / 0.8 * 255 = 0, 63.75, 127.5, 255 -> truncated
  assert.deepEqual(Array.from(mask), [0, 63, 127, 255]);
});

test('grey PNG round-trips', () => {
  const mask = Uint8Array.from([0, 128, 255, 7, 9, 200]);
  const img = decodePng(encodeGreyPng(3, 2, mask));
  assert.equal(img.width, 3);
  assert.deepEqual(Array.from(img.planes.slice(0, 6)), Array.from(mask));
});
