// `npm run e2e:engines`: the cross-engine tier (issue 21). The production build (dist/) in Chromium,
// Firefox ESR and WebKitGTK, Debian's binaries, each driven by its own protocol (drivers.ts), the
// same checks in each (checks.ts). Ends with `engines: chromium ok, firefox ok, webkit ok` or
// `… failed: <what>`. Args pick engines (`npm run e2e:engines -- firefox`); JJ_SKIP_BUILD=1 uses
// the dist/ already built; JJ_ENGINES_JSON=<file> writes pass/fail counts for scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/helpers/fixtures';
import { CHECKS } from './checks';
import { ENGINES, available, launch, type EngineName } from './drivers';
import { startServer } from './server';

const picked = process.argv.slice(2).filter((a): a is EngineName => (ENGINES as string[]).includes(a));
const engines = picked.length ? picked : ENGINES;
if (!process.env.JJ_SKIP_BUILD) {
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

const server = await startServer(join(ROOT, 'dist'));
const counts = { passed: 0, failed: 0, skipped: 0 };
const summary: string[] = [];
/** `engine › check: why`, for the closing summary of `npm test`. */
const failed: string[] = [];
const t0 = Date.now();

for (const engine of engines) {
  const missing = available(engine);
  if (missing) {
    counts.failed += CHECKS.length;
    summary.push(`${engine} failed: ${missing}`);
    failed.push(`${engine}: ${missing}`);
    continue;
  }
  const te = Date.now();
  const failures: string[] = [];
  let d;
  try {
    d = await launch(engine);
  } catch (e) {
    counts.failed += CHECKS.length;
    summary.push(`${engine} failed: could not start (${(e as Error).message.split('\n')[0]})`);
    failed.push(`${engine}: could not start: ${(e as Error).message}`);
    console.log(`✘ ${engine}: could not start: ${(e as Error).message}`);
    continue;
  }
  console.log(`── ${engine} (${d.version})`);
  for (const c of CHECKS) {
    const tc = Date.now();
    const lines: string[] = [];
    try {
      await c.run(d, server, (l) => lines.push(l));
      counts.passed++;
      console.log(`  ✓ ${c.name} (${((Date.now() - tc) / 1000).toFixed(1)} s)`);
    } catch (e) {
      counts.failed++;
      failures.push(c.name);
      // A driver error may carry no message (WebDriver's bare `WebDriverError`): name and stack then.
      const err = e as Error;
      const why = err.message || `${err.name} ${err.stack?.split('\n').slice(1, 4).join(' ') ?? String(e)}`;
      console.log(`  ✘ ${c.name} (${((Date.now() - tc) / 1000).toFixed(1)} s): ${why}`);
      failed.push(`${engine} › ${c.name}: ${why}`);
    }
    for (const l of lines) console.log(`      ${l}`);
  }
  await d.close().catch(() => undefined);
  console.log(`  ${engine}: ${((Date.now() - te) / 1000).toFixed(0)} s`);
  summary.push(failures.length ? `${engine} failed: ${failures.join('; ')}` : `${engine} ok`);
}

await server.close();
if (process.env.JJ_ENGINES_JSON)
  writeFileSync(process.env.JJ_ENGINES_JSON, JSON.stringify({ ...counts, failures: failed }));
console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
console.log(`engines: ${summary.join(', ')}`);
process.exit(counts.failed ? 1 : 0);
