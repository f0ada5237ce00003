// The `jingjie` CLI's part of the bench (issue 24): N photos through the real command (its
// bundle, onnxruntime-node), seconds per photo warm, against the app's warm WASM time per photo
// measured in the same run on the same 1024² JPEGs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import { buildCli } from '../../scripts/build-cli.mjs';
import { makePhotos, measureStages, median } from './engine';

export interface CliBench {
  photos: number;
  /** Median ms of one photo in the CLI (read, all stages, write), the model already loaded. */
  cliMs: number;
  /** The whole command, model load included. */
  wallMs: number;
  /** Median ms of one photo in the app on WASM (all stages), warm. */
  browserMs: number;
  browserThreads: number;
  line: string;
}

interface Summary {
  files: { status: string; ms?: number }[];
}

/** `count` 1024² JPEGs made from the fixture photos, as makePhotos makes the browser's. */
async function writePhotos(root: string, dir: string, count: number): Promise<void> {
  const src = ['astronaut.png', 'chelsea.png', 'coffee.png'];
  for (let i = 0; i < count; i++) {
    const from = path.join(root, 'test/fixtures/photos', src[i % src.length]);
    await sharp(from)
      .resize(1024, 1024, { fit: 'fill' })
      .jpeg({ quality: 92 })
      .toFile(path.join(dir, `photo-${i}.jpg`));
  }
}

export async function runCliBench(
  page: Page,
  opts: { root: string; count: number; runs: number; variant: string },
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-bench-cli-'));
  await writePhotos(opts.root, path.join(dir), opts.count);
  await buildCli();
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [path.join(opts.root, 'bin/jingjie.mjs'), dir, '-o', path.join(dir, 'out'), '--json'],
    {
      encoding: 'utf8',
    },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`jingjie failed (${r.status}): ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as Summary;
  // The first photo also waits for the session (loaded on first need): the rest are warm.
  const warm = summary.files.slice(1).map((f) => f.ms ?? 0);
  const cliMs = median(warm.length ? warm : summary.files.map((f) => f.ms ?? 0));

  await makePhotos(page, fs.readFileSync(path.join(opts.root, 'test/fixtures/photos/astronaut.png')));
  const [row] = await measureStages(page, {
    backend: 'wasm',
    variant: opts.variant,
    runs: opts.runs,
    photos: ['1024²'],
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const browserMs = row.total;
  return {
    photos: opts.count,
    cliMs,
    wallMs,
    browserMs,
    browserThreads: row.threads,
    line: `cli: ${opts.count} photos, ${(cliMs / 1000).toFixed(2)} s/photo, ${(cliMs / browserMs).toFixed(2)} × the browser's WASM time (${(browserMs / 1000).toFixed(2)} s/photo, ${row.threads} threads; ${opts.variant}, 1024² JPEG)`,
  } satisfies CliBench;
}
