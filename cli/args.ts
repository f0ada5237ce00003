// The command line of `jingjie`, parsed with node:util parseArgs into typed options or a usage
// error with a code (the entry prints it and exits 2). No I/O here, so it is unit-tested as is.

import { parseArgs } from 'node:util';
import { isFormatId, type FormatId } from '../src/shared/formats';

export interface CliOptions {
  /** Files and folders named on the command line. */
  inputs: string[];
  /** A file listing inputs, one per line (`-` = stdin), read by the walker. */
  filesFrom?: string;
  out: string;
  format: FormatId;
  /** A built-in preset's name (`marketplace`, `builtin:transparent`) or a preset JSON file. */
  preset?: string;
  /** An .onnx file with the app's model interface; default the manifest's WASM default. */
  model?: string;
  /** Encoder quality 1..100 for WebP and JPEG (default the format's, src/shared/formats.ts). */
  quality?: number;
  /** This run's part of the inputs: shard `index` of `count` (0-based), e.g. from a Kubernetes Indexed Job. */
  shard?: { index: number; count: number };
  json: boolean;
  help: boolean;
}

/** Why the command line was refused; the entry words it. */
export type UsageIssue =
  'unknownOption' | 'noInputs' | 'noOut' | 'badFormat' | 'badQuality' | 'badShard' | 'missingValue';

export class UsageError extends Error {
  constructor(
    readonly issue: UsageIssue,
    readonly detail: string,
  ) {
    super(`${issue}: ${detail}`);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: jingjie <files or folders…> -o <dir> [options]

Cuts out the subject of each photo with the same pipeline as the Jingjie app (onnxruntime-node).
Outputs already written and complete are skipped, so a run can be resumed.

Options:
  -o, --out <dir>          where the cut-outs go (created)
  -f, --format <fmt>       png (default), webp or jpeg (jpeg on white)
  -p, --preset <name>      an output preset: marketplace, transparent, or a preset .json file
  -m, --model <file.onnx>  a model with the app's interface (default: the app's WASM default)
  -q, --quality <1-100>    WebP/JPEG quality
      --files-from <list>  read inputs from a file, one per line (- for stdin)
      --shard <i>/<n>      process only shard i (0-based) of n, e.g. $JOB_COMPLETION_INDEX/4
      --json               print a JSON summary on stdout
  -h, --help               this text

Exit status: 0 all done, 1 some files failed (each reported with its code), 2 bad usage or no model.`;

function shardOf(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 0 && index < count)) throw new UsageError('badShard', s);
  return { index, count };
}

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        format: { type: 'string', short: 'f' },
        preset: { type: 'string', short: 'p' },
        model: { type: 'string', short: 'm' },
        quality: { type: 'string', short: 'q' },
        'files-from': { type: 'string' },
        shard: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(
      code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? 'missingValue' : 'unknownOption',
      (err as Error).message,
    );
  }
  const v = parsed.values;
  const base = { inputs: parsed.positionals, json: v.json ?? false, help: v.help ?? false };
  if (base.help) return { ...base, out: '', format: 'png' };
  if (!parsed.positionals.length && !v['files-from']) throw new UsageError('noInputs', '');
  if (!v.out) throw new UsageError('noOut', '');
  const format = v.format ?? 'png';
  if (!isFormatId(format)) throw new UsageError('badFormat', format);
  let quality: number | undefined;
  if (v.quality !== undefined) {
    quality = Number(v.quality);
    if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100))
      throw new UsageError('badQuality', v.quality);
  }
  return {
    ...base,
    out: v.out,
    format,
    quality,
    preset: v.preset,
    model: v.model,
    filesFrom: v['files-from'],
    shard: v.shard !== undefined ? shardOf(v.shard) : undefined,
  };
}
