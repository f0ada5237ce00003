// Resuming a `jingjie` run (cli/resume.ts): only whole outputs count as done, and an output is
// written under a temporary name first, so a killed run leaves nothing that looks complete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isComplete, isDone, partialName, writeAtomic } from '../../cli/resume';
import type { FormatId } from '../../src/shared/formats';

const pixels = Buffer.alloc(16 * 16 * 4, 200);
const encode = (format: FormatId) => {
  const img = sharp(pixels, { raw: { width: 16, height: 16, channels: 4 } });
  return (format === 'png' ? img.png() : format === 'webp' ? img.webp() : img.jpeg()).toBuffer();
};

describe('cli resume', () => {
  for (const format of ['png', 'webp', 'jpeg'] as const) {
    it(`a whole ${format} is complete; cut anywhere, or another format, it is not`, async () => {
      const bytes = new Uint8Array(await encode(format));
      expect(isComplete(bytes, format)).toBe(true);
      for (const cut of [1, 2, 12, Math.floor(bytes.length / 2)])
        expect(isComplete(bytes.subarray(0, bytes.length - cut), format)).toBe(false);
      expect(isComplete(new Uint8Array(0), format)).toBe(false);
      const other: FormatId = format === 'png' ? 'jpeg' : 'png';
      expect(isComplete(bytes, other)).toBe(false);
    });
  }

  it('writes through a hidden temporary name and leaves none behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jj-resume-'));
    const file = path.join(dir, 'photo-nobg.png');
    expect(await isDone(file, 'png')).toBe(false);
    const bytes = new Uint8Array(await encode('png'));
    await writeAtomic(file, bytes);
    expect(await isDone(file, 'png')).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['photo-nobg.png']);
    expect(path.basename(partialName(file, 42))).toBe('.photo-nobg.png.42.partial');
  });

  it('a half-written output (a killed run) is not done: the next run writes it again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jj-resume-'));
    const file = path.join(dir, 'photo-nobg.png');
    const bytes = await encode('png');
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 20));
    expect(await isDone(file, 'png')).toBe(false);
    await writeAtomic(file, new Uint8Array(bytes));
    expect(await isDone(file, 'png')).toBe(true);
  });
});
