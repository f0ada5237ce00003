// Model bytes: the sha256 computed chunk by chunk while they arrive equals WebCrypto's digest of the
// whole, a good download is verified (and only then announced), a bad one fails with
// ModelIntegrity after one refetch; the WASM-only runtime build is picked where WebGPU is not used.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex, sha256Stream } from '../../workers/sha256-stream';
import { loadModelBytes } from '../../workers/model-store';
import { runtimeFor, WARMUP_MODEL } from '../../workers/session';
import type { ModelVariant } from '../../src/shared/types';

function bytes(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** Split into chunks of uneven sizes, as a network stream delivers them. */
function chunks(data: Uint8Array, seed = 3): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = seed;
  for (let o = 0; o < data.length;) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = 1 + (s % 70_000);
    out.push(data.subarray(o, o + n));
    o += n;
  }
  return out;
}

describe('sha256Stream', () => {
  it('matches crypto.subtle.digest for any chunking, including empty and one-byte chunks', async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 3_000_001]) {
      const data = bytes(n, n + 1);
      const h = await sha256Stream();
      h.update(new Uint8Array(0));
      for (const c of chunks(data, n)) h.update(c);
      expect(h.hex()).toBe(await sha256Hex(data));
    }
  });
  it('gives the known digest of "abc"', async () => {
    const h = await sha256Stream();
    h.update(new TextEncoder().encode('a'));
    h.update(new TextEncoder().encode('bc'));
    expect(h.hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('loadModelBytes (network, no cache)', () => {
  const data = bytes(500_000);
  const variant = (sha256: string): ModelVariant => ({
    id: 'test',
    name: 'Test model',
    file: 'test.onnx',
    bytes: data.length,
    sha256,
    precision: 'fp32',
    source: 'test',
    licence: 'test',
    backends: ['wasm'],
    inputName: 'input',
    outputName: 'output',
  });
  const serve = (body: Uint8Array) =>
    vi.fn(
      async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(c) {
              for (const x of chunks(body)) c.enqueue(x.slice());
              c.close();
            },
          }),
        ),
    );
  afterEach(() => vi.unstubAllGlobals());

  it('verifies the streamed bytes and reports bytes → verify → verified in order', async () => {
    const fetch = serve(data);
    vi.stubGlobal('fetch', fetch);
    const events: string[] = [];
    const sha = createHash('sha256').update(data).digest('hex');
    const r = await loadModelBytes('http://127.0.0.1/models/', variant(sha), {
      noCache: true,
      onBytes: () => events.push('bytes'),
      onVerify: () => events.push('verify'),
      onVerified: () => events.push('verified'),
    });
    expect(r.from).toBe('network');
    expect(r.data.length).toBe(data.length);
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    expect(r.store).toBeUndefined(); // noCache: nothing to store
    expect(events).toEqual(['bytes', 'verify', 'verified']);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refetches once on a hash mismatch, then fails with ModelIntegrity', async () => {
    const fetch = serve(data);
    vi.stubGlobal('fetch', fetch);
    const verified = vi.fn();
    await expect(
      loadModelBytes('http://127.0.0.1/models/', variant('0'.repeat(64)), {
        noCache: true,
        onVerified: verified,
      }),
    ).rejects.toMatchObject({ name: 'ModelIntegrity' });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(verified).not.toHaveBeenCalled();
  });

  /**
   * A server whose first answer stops after `cutAt` bytes, by `how`: 'stall' (the connection stays
   * open, nothing more arrives) or 'drop' (the stream errors). Later answers honour Range (206 from
   * the asked byte) unless `ignoreRange`, and may stall again (`stallAlways`).
   */
  const flaky = (
    body: Uint8Array,
    o: { cutAt: number; how: 'stall' | 'drop'; ignoreRange?: boolean; stallAlways?: boolean },
  ) =>
    vi.fn(async (_url: string, init?: RequestInit) => {
      const range = new Headers(init?.headers).get('Range');
      const from = range && !o.ignoreRange ? Number(/^bytes=(\d+)-$/.exec(range)?.[1]) : 0;
      const first = !range;
      const signal = init?.signal;
      const part = body.subarray(from);
      const cut = first || o.stallAlways ? Math.min(o.cutAt, part.length) : part.length;
      const queue = chunks(part.subarray(0, cut));
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = queue.shift();
          if (next) return c.enqueue(next.slice());
          if (cut === part.length) return c.close();
          if (o.how === 'drop') return c.error(new TypeError('network connection lost'));
          // stalled: only the caller's abort ends it
          return new Promise<void>((done) =>
            signal?.addEventListener('abort', () => {
              c.error(new DOMException('aborted', 'AbortError'));
              done();
            }),
          );
        },
      });
      return from
        ? new Response(stream, {
            status: 206,
            headers: { 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` },
          })
        : new Response(stream);
    });
  const sha = createHash('sha256').update(data).digest('hex');

  it('resumes a stalled download with a Range request and verifies the joined bytes', async () => {
    const fetch = flaky(data, { cutAt: 123_457, how: 'stall' });
    vi.stubGlobal('fetch', fetch);
    const seen: number[] = [];
    const r = await loadModelBytes('http://127.0.0.1/models/', variant(sha), {
      noCache: true,
      stallMs: 40,
      onProgress: (n) => seen.push(n),
    });
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(2);
    const second = fetch.mock.calls[1][1] as RequestInit;
    expect(new Headers(second.headers).get('Range')).toBe('bytes=123457-');
    expect(seen[seen.length - 1]).toBe(data.length);
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1])).toBe(true); // progress never goes back
  });

  it('resumes a dropped connection', async () => {
    const fetch = flaky(data, { cutAt: 300_001, how: 'drop' });
    vi.stubGlobal('fetch', fetch);
    const r = await loadModelBytes('http://127.0.0.1/models/', variant(sha), {
      noCache: true,
      stallMs: 1000,
    });
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('starts over when the server ignores Range', async () => {
    const fetch = flaky(data, { cutAt: 200_000, how: 'stall', ignoreRange: true });
    vi.stubGlobal('fetch', fetch);
    const r = await loadModelBytes('http://127.0.0.1/models/', variant(sha), { noCache: true, stallMs: 40 });
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('fails with ModelDownloadFailed (stalled) after three resumes that stall too', async () => {
    const fetch = flaky(data, { cutAt: 1000, how: 'stall', stallAlways: true });
    vi.stubGlobal('fetch', fetch);
    await expect(
      loadModelBytes('http://127.0.0.1/models/', variant(sha), { noCache: true, stallMs: 30 }),
    ).rejects.toMatchObject({ name: 'ModelDownloadFailed', detail: { stalled: true, total: data.length } });
    expect(fetch).toHaveBeenCalledTimes(4);
  });
});

describe('runtime build', () => {
  it('is the plain wasm build unless WebGPU may be used (or JSEP is already loaded)', () => {
    expect(runtimeFor('wasm')).toBe('wasm');
    expect(runtimeFor('webgpu')).toBe('jsep');
    expect(runtimeFor('wasm', 'jsep')).toBe('jsep');
    expect(runtimeFor('wasm', 'wasm')).toBe('wasm');
  });
  it('warms up with a valid one-node ONNX graph', async () => {
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(WARMUP_MODEL);
    const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([3]), [1]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([3]);
    await s.release();
  });
});
