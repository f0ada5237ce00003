// One run of `jingjie`: the inputs named and sharded, finished outputs skipped, each other photo
// through the app's stages (workers/cutout.ts) on Node's decoder, onnxruntime-node and sharp, an
// output preset applied when asked (workers/pipeline/present.ts), written atomically. A bad file
// is reported with its code and skipped; the summary says what happened to every file.

import fs from 'node:fs/promises';
import path from 'node:path';
import { JingjieError, asJingjieError, type ErrorName } from '../src/shared/errors';
import { FORMATS, type FormatId } from '../src/shared/formats';
import { BUILT_IN_PRESETS, type Preset } from '../src/shared/presets';
import { cutOut, type CutoutPlatform } from '../workers/cutout';
import { assertValidPreset, present } from '../workers/pipeline/present';
import { DEFAULT_MAX_PIXELS } from '../workers/pipeline/decode-core';
import type { CliOptions } from './args';
import { decodeNode, encodeNode } from './codec';
import type { NodeModel } from './model';
import { Progress } from './progress';
import { isDone, writeAtomic } from './resume';
import { expandInputs, nameJobs, parseList, shardJobs } from './walk';

export interface FileReport {
  input: string;
  output?: string;
  status: 'written' | 'skipped' | 'failed';
  code?: ErrorName;
  detail?: Record<string, string | number | boolean>;
  message?: string;
  ms?: number;
}

export interface Summary {
  model: string;
  total: number;
  written: number;
  skipped: number;
  failed: number;
  seconds: number;
  files: FileReport[];
}

/** `marketplace`, `builtin:marketplace` or a preset .json file; invalid ones fail with PresetInvalid. */
export async function resolvePreset(name: string): Promise<Preset> {
  const builtIn = BUILT_IN_PRESETS.find((p) => p.id === name || p.id === `builtin:${name}`);
  if (builtIn) return builtIn;
  let preset: Preset;
  try {
    preset = JSON.parse(await fs.readFile(name, 'utf8')) as Preset;
  } catch (err) {
    throw new JingjieError(
      'PresetInvalid',
      `No built-in preset ${name}, and no preset file: ${(err as Error).message}`,
      {
        issue: 'noName',
      },
    );
  }
  assertValidPreset(preset);
  // The app asks for the background image at export; a batch has none to ask for: refused up front.
  if (preset.background.kind === 'image')
    throw new JingjieError('PresetInvalid', 'A preset with an image background needs the app.', {
      issue: 'noImage',
    });
  return preset;
}

/** The output stage: the preset on the composed cut-out, or the cut-out in the chosen format. */
function encoder(
  format: FormatId,
  quality: number | undefined,
  preset: Preset | undefined,
  original: Blob,
): CutoutPlatform['encode'] {
  return async (px, w, h, fmt, colour) => {
    if (colour === 'gray' || !preset)
      return encodeNode(px, w, h, fmt, colour, quality !== undefined ? quality / 100 : undefined);
    // A blurred-original background needs the photo as it was, before compose made it the cut-out.
    const layers =
      preset.background.kind === 'blur'
        ? {
            original: await decodeNode(original, { maxPixels: DEFAULT_MAX_PIXELS }).then((d) => ({
              data: d.rgba,
              width: d.width,
              height: d.height,
            })),
          }
        : {};
    const out = present({ data: px, width: w, height: h }, preset, layers);
    return encodeNode(
      out.data,
      out.width,
      out.height,
      preset.format,
      'rgba',
      (quality ?? preset.quality) / 100,
    );
  };
}

/**
 * Run over the inputs. `model` is loaded on first need, so a resumed run whose outputs are all
 * done, or a list of bad files, never waits for the weights.
 */
export async function runCli(
  opts: CliOptions,
  model: { id: string; load(): Promise<NodeModel> },
  stderr = process.stderr,
): Promise<Summary> {
  const t0 = performance.now();
  let loading: Promise<NodeModel> | undefined;
  /** Set when the model cannot be loaded: that stops the run (exit 2), it is no file's fault. */
  let modelError: Error | undefined;
  const loaded = () =>
    (loading ??= model.load().catch((err: unknown) => {
      modelError = asJingjieError(err);
      throw modelError;
    }));
  const preset = opts.preset ? await resolvePreset(opts.preset) : undefined;
  const format = preset?.format ?? opts.format;
  const inputs = [...opts.inputs];
  if (opts.filesFrom) {
    const fromStdin = opts.filesFrom === '-';
    const text = fromStdin ? await readStdin() : await fs.readFile(opts.filesFrom, 'utf8');
    inputs.push(...parseList(text, fromStdin ? process.cwd() : path.dirname(path.resolve(opts.filesFrom))));
  }
  const all = nameJobs(await expandInputs(inputs, opts.out), FORMATS[format].ext);
  const jobs = shardJobs(all, opts.shard);
  await fs.mkdir(opts.out, { recursive: true });

  const progress = new Progress(jobs.length, stderr);
  const files: FileReport[] = [];
  for (const job of jobs) {
    const outPath = path.join(opts.out, job.output);
    if (await isDone(outPath, format)) {
      files.push({ input: job.display, output: job.output, status: 'skipped' });
      progress.file(`${job.display}: already done (${job.output})`, false);
      continue;
    }
    const t = performance.now();
    try {
      const blob = new Blob([(await readInput(job.input, job.display)) as Uint8Array<ArrayBuffer>]);
      const cut = await cutOut(
        {
          decode: decodeNode,
          infer: async (x) => (await loaded()).infer(x),
          encode: encoder(format, opts.quality, preset, blob),
        },
        blob,
        {
          fileName: job.display,
          format,
          // A format without alpha is flattened where the app flattens: in compose, onto white.
          background: !preset && !FORMATS[format].alpha ? '#ffffff' : undefined,
          // No device to spare: the app's limit when a device does not say how much memory it has.
          maxPixels: DEFAULT_MAX_PIXELS,
        },
      );
      await writeAtomic(outPath, new Uint8Array(await cut.blob.arrayBuffer()));
      const ms = Math.round(performance.now() - t);
      files.push({ input: job.display, output: job.output, status: 'written', ms });
      progress.file(`${job.display} → ${job.output} (${(ms / 1000).toFixed(1)} s)`, true);
    } catch (err) {
      if (modelError) throw modelError;
      const e = asJingjieError(err);
      files.push({
        input: job.display,
        status: 'failed',
        code: e.name,
        detail: e.detail,
        message: e.message,
      });
      progress.note(`${job.display}: ${e.name}: ${e.message}`);
      progress.file(`${job.display}: failed (${e.name})`, false);
    }
  }
  const count = (s: FileReport['status']) => files.filter((f) => f.status === s).length;
  const summary: Summary = {
    model: model.id,
    total: jobs.length,
    written: count('written'),
    skipped: count('skipped'),
    failed: count('failed'),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    files,
  };
  progress.end(
    `jingjie: ${summary.written} written, ${summary.skipped} skipped, ${summary.failed} failed of ${summary.total} in ${summary.seconds} s`,
  );
  return summary;
}

/** A file's bytes; a missing or unreadable one fails as its own task (the app never sees such a file). */
async function readInput(file: string, display: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new JingjieError('NotAnImage', `“${display}” could not be read (${code}).`, {
      fileName: display,
      issue: code,
    });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
