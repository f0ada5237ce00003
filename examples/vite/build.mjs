#!/usr/bin/env node
// Builds and serves the Vite example as a site that installed the package would: a copy of this
// folder with node_modules/@jingjie/engine → dist-lib/, `vite build` with no plugin and no config,
// then dist/ with models/ and ort/ beside it (the site's own copies of the weights and runtime).
//
//   npm run build:lib && node examples/vite/build.mjs   # then open the printed URL
//
// Programmatic (test/e2e/lib.spec.ts): `const site = await serveViteExample({ port: 0 })`.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serveStatic } from '../../scripts/serve-static.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * @param {{ port?: number }} [o]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveViteExample({ port = 4302 } = {}) {
  const site = mkdtempSync(join(tmpdir(), 'jingjie-vite-site-'));
  cpSync(join(ROOT, 'examples', 'vite'), site, { recursive: true });
  mkdirSync(join(site, 'node_modules', '@jingjie'), { recursive: true });
  symlinkSync(join(ROOT, 'dist-lib'), join(site, 'node_modules', '@jingjie', 'engine'));
  await build({ root: site, configFile: false, logLevel: 'error', build: { outDir: join(site, 'dist') } });
  symlinkSync(join(ROOT, 'public', 'models'), join(site, 'dist', 'models'));
  symlinkSync(join(ROOT, 'public', 'ort'), join(site, 'dist', 'ort'));
  const s = await serveStatic({ root: join(site, 'dist'), port });
  return {
    url: `${s.url}/`,
    close: async () => {
      await s.close();
      rmSync(site, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const site = await serveViteExample();
  console.log(`site ${site.url}`);
  const quit = () => site.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
