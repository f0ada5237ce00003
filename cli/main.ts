// The `jingjie` command's entry (bundled to cli/dist/jingjie.mjs, run by bin/jingjie.mjs): parse
// the command line, load the model, run, print the --json summary, set the exit status.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asJingjieError } from '../src/shared/errors';
import { USAGE, UsageError, parseCli } from './args';
import { defaultModelFile, loadModel } from './model';
import { runCli } from './run';

/** The package root: this bundle is cli/dist/jingjie.mjs (or cli/main.ts under tsx). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), process.env.JJ_CLI_ROOT ?? '../..');

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`jingjie: ${err.issue}: ${err.detail}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const m = opts.model
      ? { file: path.resolve(opts.model), id: path.basename(opts.model) }
      : defaultModelFile(ROOT);
    const summary = await runCli(opts, { id: m.id, load: () => loadModel(m.file, m.id) });
    if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.failed ? 1 : 0;
  } catch (err) {
    // A run-wide failure (no model, an invalid preset, an output folder that cannot be made).
    const e = asJingjieError(err);
    process.stderr.write(`jingjie: ${e.name}: ${e.message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
