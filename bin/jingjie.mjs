#!/usr/bin/env node
// The `jingjie` command (package.json `bin`): runs the CLI bundle cli/dist/jingjie.mjs, which
// `npm install` builds (postinstall → npm run build:cli); a checkout without it is built first.
import fs from 'node:fs';

const bundle = new URL('../cli/dist/jingjie.mjs', import.meta.url);
if (!fs.existsSync(bundle)) {
  const { buildCli } = await import('../scripts/build-cli.mjs');
  if (!(await buildCli())) process.exit(2);
}
await import(bundle.href);
