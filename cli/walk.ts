// The inputs of a run: files and folders from the command line or a list file, expanded into one
// sorted list of files (folders recursively, image extensions only, the output folder left out),
// each with its output name from the app's namer (src/shared/names.ts), then cut to this shard.

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ResultNamer } from '../src/shared/names';

/** What a folder contributes: the extensions of the formats the app opens (its file picker's). */
export const IMAGE_EXTENSIONS = new Set([
  'jpg',
  'jpeg',
  'jfif',
  'png',
  'webp',
  'avif',
  'gif',
  'bmp',
  'heic',
  'heif',
]);

export interface Job {
  /** Absolute path of the photo. */
  input: string;
  /** As the user named it or as found under a named folder: in messages and the summary. */
  display: string;
  /** The output's file name in the output folder. */
  output: string;
}

const isImageName = (f: string) => IMAGE_EXTENSIONS.has(path.extname(f).slice(1).toLowerCase());

/** Every image file under `dir`, hidden entries and `skip` left out. */
async function walkDir(dir: string, skip: string, into: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (p === skip) continue;
    if (e.isDirectory()) await walkDir(p, skip, into);
    else if (e.isFile() && isImageName(e.name)) into.push(p);
  }
}

/** Entries of a list file: one path a line, blank lines and `#` comments skipped, relative to the list. */
export function parseList(text: string, base: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => path.resolve(base, l));
}

/**
 * Expand `inputs` into files. A named file is taken whatever its extension (the sniffer judges
 * it, so a bad one is reported with its code); a named path that does not exist is kept too, and
 * fails on its own. Sorted by path, duplicates removed: every run and shard sees the same order.
 */
export async function expandInputs(inputs: string[], outDir: string): Promise<string[]> {
  const skip = path.resolve(outDir);
  const files: string[] = [];
  for (const i of inputs) {
    const p = path.resolve(i);
    const st = await fs.stat(p).catch(() => undefined);
    if (st?.isDirectory()) await walkDir(p, skip, files);
    else files.push(p);
  }
  return [...new Set(files)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Output names for the whole list (before sharding, so every shard names a file the same way). */
export function nameJobs(files: string[], ext: string, cwd = process.cwd()): Job[] {
  const namer = new ResultNamer();
  const id = (f: string) => createHash('sha256').update(f).digest('hex');
  for (const f of files) namer.add(id(f), path.basename(f));
  return files.map((f) => ({
    input: f,
    display: displayPath(f, cwd),
    output: namer.name({ id: id(f), name: path.basename(f) }, ext),
  }));
}

/** A path as messages show it: relative below the working folder, else absolute. */
export function displayPath(f: string, cwd: string): string {
  const r = path.relative(cwd, f);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : f;
}

/** Shard `index` of `count`: every count-th job, so shards are balanced and disjoint. */
export function shardJobs<T>(jobs: T[], shard?: { index: number; count: number }): T[] {
  return shard ? jobs.filter((_, i) => i % shard.count === shard.index) : jobs;
}
