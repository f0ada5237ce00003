// The kernels that exist once (issue 13): the `over` blend, the PNG header parser, the stage timer.
import { describe, expect, it } from 'vitest';
import { flattenOnto } from '../../workers/pipeline/compose';
import { pngHeader } from '../../workers/pipeline/sniff';
import { encodePng } from '../../workers/pipeline/png';
import { stageTimer } from '../../src/shared/stage-timer';

describe('flattenOnto', () => {
  it('blends onto a colour exactly as onto an image of that colour', () => {
    const px = new Uint8ClampedArray([200, 100, 50, 128, 10, 20, 30, 0, 1, 2, 3, 255]);
    const colour = [0, 128, 255] as const;
    const image = new Uint8ClampedArray(px.length);
    for (let p = 0; p < image.length; p += 4) image.set([...colour, 255], p);
    const a = flattenOnto(px.slice(), colour);
    const b = flattenOnto(px.slice(), image);
    expect([...a]).toEqual([...b]);
    expect([...a.slice(4, 8)]).toEqual([0, 128, 255, 255]);
    expect([...a.slice(8)]).toEqual([1, 2, 3, 255]);
  });
});

describe('pngHeader', () => {
  it('reads the IHDR of an encoded PNG and refuses a cut-short one', async () => {
    const png = new Uint8Array(await (await encodePng(new Uint8ClampedArray(3 * 2 * 4), 3, 2)).arrayBuffer());
    expect(pngHeader(png)).toMatchObject({ width: 3, height: 2, bitDepth: 8, colourType: 6, interlace: 0 });
    expect(pngHeader(png.subarray(0, 20))).toBeUndefined();
  });
});

describe('stageTimer', () => {
  it('adds each lap to its stage and measures nothing without a target', () => {
    const t: Partial<Record<'a' | 'b', number>> = {};
    const lap = stageTimer(t);
    lap('a');
    lap('b');
    lap('a');
    expect(Object.keys(t).sort()).toEqual(['a', 'b']);
    expect(t.a).toBeGreaterThanOrEqual(0);
    expect(() => stageTimer(undefined)('a')).not.toThrow();
  });
});
