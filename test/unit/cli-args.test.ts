// The `jingjie` CLI's command line (cli/args.ts), its inputs and names (cli/walk.ts) and its
// progress line (cli/progress.ts): pure, no model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, parseCli } from '../../cli/args';
import { expandInputs, nameJobs, parseList, shardJobs } from '../../cli/walk';
import { formatBar } from '../../cli/progress';
import { resolvePreset } from '../../cli/run';

const issue = (argv: string[]) => {
  try {
    parseCli(argv);
  } catch (err) {
    return err instanceof UsageError ? err.issue : 'other';
  }
  return 'none';
};

describe('cli arguments', () => {
  it('takes files, folders and options', () => {
    const o = parseCli(['a.jpg', 'photos', '-o', 'out', '--format', 'webp', '-q', '80', '--json']);
    expect(o).toMatchObject({
      inputs: ['a.jpg', 'photos'],
      out: 'out',
      format: 'webp',
      quality: 80,
      json: true,
    });
    expect(parseCli(['x', '--out=o', '--preset', 'marketplace', '--model', 'm.onnx'])).toMatchObject({
      preset: 'marketplace',
      model: 'm.onnx',
      format: 'png',
      json: false,
    });
  });

  it('reads a shard as index/count', () => {
    expect(parseCli(['--files-from', 'list.txt', '-o', 'o', '--shard', '2/4'])).toMatchObject({
      inputs: [],
      filesFrom: 'list.txt',
      shard: { index: 2, count: 4 },
    });
  });

  it('refuses a bad command line with a code', () => {
    expect(issue(['-o', 'out'])).toBe('noInputs');
    expect(issue(['a.jpg'])).toBe('noOut');
    expect(issue(['a.jpg', '-o', 'o', '--format', 'tiff'])).toBe('badFormat');
    expect(issue(['a.jpg', '-o', 'o', '-q', '0'])).toBe('badQuality');
    expect(issue(['a.jpg', '-o', 'o', '-q', '9.5'])).toBe('badQuality');
    expect(issue(['a.jpg', '-o', 'o', '--shard', '4/4'])).toBe('badShard');
    expect(issue(['a.jpg', '-o', 'o', '--shard', '1'])).toBe('badShard');
    expect(issue(['a.jpg', '-o', 'o', '--colour', 'red'])).toBe('unknownOption');
    expect(issue(['a.jpg', '-o'])).not.toBe('none');
  });

  it('needs nothing else for --help', () => {
    expect(parseCli(['--help']).help).toBe(true);
  });
});

describe('cli inputs and names', () => {
  it('walks folders for images only, skips hidden files and the output folder, sorts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jj-walk-'));
    for (const f of ['b.JPG', 'a.png', 'notes.txt', '.hidden.png', 'sub/c.heic', 'out/a-nobg.png']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    const files = await expandInputs([dir, path.join(dir, 'notes.txt')], path.join(dir, 'out'));
    expect(files.map((f) => path.relative(dir, f))).toEqual(['a.png', 'b.JPG', 'notes.txt', 'sub/c.heic']);
  });

  it('names outputs as the app does, suffixing shared base names, the same in every shard', () => {
    const jobs = nameJobs(['/p/a/photo.jpg', '/p/b/photo.png', '/p/c/cat.jpg'], 'png', '/p');
    expect(jobs.map((j) => j.display)).toEqual(['a/photo.jpg', 'b/photo.png', 'c/cat.jpg']);
    expect(jobs[2].output).toBe('cat-nobg.png');
    expect(jobs[0].output).toMatch(/^photo-nobg-[0-9a-f]{4,}\.png$/);
    expect(jobs[1].output).toMatch(/^photo-nobg-[0-9a-f]{4,}\.png$/);
    expect(jobs[0].output).not.toBe(jobs[1].output);
    // Names are made over the whole list, then sharded: a shard names a file as a full run does.
    const shards = [0, 1].map((index) => shardJobs(jobs, { index, count: 2 }));
    expect(
      shards
        .flat()
        .map((j) => j.output)
        .sort(),
    ).toEqual(jobs.map((j) => j.output).sort());
    expect(shards[0].map((j) => j.input)).toEqual(['/p/a/photo.jpg', '/p/c/cat.jpg']);
  });

  it('reads a list file: blank lines and comments skipped, paths relative to the list', () => {
    expect(parseList('a.jpg\n\n# skip\n  /abs/b.png \r\n', '/data')).toEqual(['/data/a.jpg', '/abs/b.png']);
  });
});

describe('cli progress', () => {
  it('says files done, rate over the files the model ran on, and the time left', () => {
    expect(formatBar({ done: 5, total: 10, processed: 4, elapsedMs: 8000 }, 10)).toBe(
      '[#####·····] 5/10  0.50 photos/s  ETA 0:10',
    );
    expect(formatBar({ done: 3, total: 3, processed: 0, elapsedMs: 10 }, 4)).toBe(
      '[####] 3/3  0.00 photos/s  ETA –',
    );
  });
});

describe('cli presets', () => {
  it('names a built-in by its short or full id; refuses what cannot be applied with its code', async () => {
    expect((await resolvePreset('marketplace')).id).toBe('builtin:marketplace');
    expect((await resolvePreset('builtin:transparent')).format).toBe('png');
    const code = (name: string) =>
      resolvePreset(name).then(
        () => 'none',
        (e: { name: string; detail?: { issue?: string } }) => `${e.name}:${e.detail?.issue}`,
      );
    expect(await code('no-such-preset')).toBe('PresetInvalid:noName');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jj-preset-'));
    const file = path.join(dir, 'p.json');
    const base = { ...(await resolvePreset('marketplace')), id: 'mine', builtIn: false };
    fs.writeFileSync(file, JSON.stringify({ ...base, background: { kind: 'image' } }));
    expect(await code(file)).toBe('PresetInvalid:noImage');
    fs.writeFileSync(file, JSON.stringify({ ...base, background: { kind: 'transparent' } }));
    expect(await code(file)).toBe('PresetInvalid:jpegNeedsOpaque');
    fs.writeFileSync(file, JSON.stringify({ ...base, format: 'png', background: { kind: 'transparent' } }));
    expect((await resolvePreset(file)).id).toBe('mine');
  });
});
