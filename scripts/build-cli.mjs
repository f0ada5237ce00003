// `npm run build:cli` (also run by postinstall): bundles the `jingjie` CLI (cli/main.ts and the
// app's pipeline modules it shares) into cli/dist/jingjie.mjs with esbuild, because Node 20 cannot
// run .ts. Packages stay external: onnxruntime-node and sharp are native, resolved at run time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = path.join(root, 'cli/dist/jingjie.mjs');

export async function buildCli() {
  // A Docker layer that installs packages before copying the sources (Dockerfile): nothing to build yet.
  if (!fs.existsSync(path.join(root, 'cli/main.ts'))) return undefined;
  let build;
  try {
    ({ build } = await import('esbuild'));
  } catch {
    // An install without dev dependencies: the bin says what to do when it is run.
    console.warn('build-cli: esbuild is not installed; `npx jingjie` needs `npm run build:cli`.');
    return undefined;
  }
  await build({
    entryPoints: [path.join(root, 'cli/main.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    legalComments: 'none',
  });
  return CLI_BUNDLE;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await buildCli();
