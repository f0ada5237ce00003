// `npm test`: every check in one command, ending with one summary line
// ("tests: N passed, N failed, N skipped"). Stages: typecheck, lint (ESLint, no warnings), format
// (Prettier), generated host headers current, unit tests (vitest and the node:test checks of the model tools),
// the jingjie CLI end to end, production build,
// end-to-end tests (Playwright), the cross-engine tier (test/engines/). Typecheck, lint and format count as one test each.
// `npm run check` (= `npm test -- check`) runs the stages before the build: the fast gate.
// E2E runs the `engine` tier (the real model) and, beside it, the `ui` tier (stand-in engine) then
// the cross-engine tier (`npm test -- e2e --project=ui` runs only the fast one).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-test-'));
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `npm test -- e2e engine.spec.ts`
const CHECK = ['typecheck', 'lint', 'format', 'headers', 'unit'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const stages = [];
/** What failed and why, one line each: repeated above the closing line, where a CI log's tail shows it. */
const failures = [];
const fail = (stage, what) =>
  failures.push(
    `${stage}: ${String(what)
      // eslint-disable-next-line no-control-regex -- colour codes of the reporters
      .replace(/\x1b\[[0-9;]*m/g, '')
      .replace(/\s+/g, ' ')
      .slice(0, 1000)}`,
  );

function run(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  stages.push({ name, ok, s: ((Date.now() - t0) / 1000).toFixed(0) });
  return ok;
}

function count(passed, failed, skipped) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
}

const want = (stage) =>
  only.length === 0 || only[0] === stage || (only[0] === 'check' && CHECK.includes(stage));

/** A node:test stage: its TAP totals counted, its time recorded. */
function nodeTest(name, files) {
  const t0 = Date.now();
  const r = spawnSync('node', ['--test', '--test-reporter=tap', ...files], { cwd: root, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const num = (k) => Number((r.stdout.match(new RegExp(`^# ${k} (\\d+)`, 'm')) ?? [])[1] ?? 0);
  count(
    num('pass'),
    num('fail') + (r.status !== 0 && num('fail') === 0 ? 1 : 0),
    num('skipped') + num('todo'),
  );
  stages.push({ name, ok: r.status === 0, s: ((Date.now() - t0) / 1000).toFixed(0) });
}

/** A stage that is one pass/fail check. */
function check(name, cmd, args) {
  const ok = run(name, cmd, args);
  count(ok ? 1 : 0, ok ? 0 : 1, 0);
}

if (want('typecheck')) {
  // One project per runtime: page (DOM), workers (WebWorker), service worker, tests/tools (Node),
  // the jingjie CLI (Node, no DOM: a browser API in the pipeline it shares fails here), the
  // embeddable package (DOM).
  const projects = [
    'tsconfig.json',
    'workers/tsconfig.json',
    'workers/sw/tsconfig.json',
    'test/tsconfig.json',
    'cli/tsconfig.json',
    'lib/tsconfig.json',
  ];
  const results = projects.map((p) => run(`typecheck ${p}`, 'npx', ['tsc', '-p', p]));
  count(results.includes(false) ? 0 : 1, results.includes(false) ? 1 : 0, 0);
}

if (want('lint')) check('lint (eslint)', 'npx', ['eslint', '--max-warnings', '0', '.']);

if (want('format')) check('format (prettier)', 'npx', ['prettier', '--check', '.']);

// The host files' header blocks are generated from src/shared/headers.js: fail when stale.
if (want('headers'))
  check('headers (npm run headers -- --check)', 'node', ['scripts/headers.mjs', '--check']);

if (want('unit')) {
  const out = path.join(tmp, 'vitest.json');
  run('unit (vitest)', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${out}`,
  ]);
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    // A file that fails to load has no failed test but no success either: count it once.
    const loadFailures = !j.success && j.numFailedTests === 0 ? 1 : 0;
    count(j.numPassedTests, j.numFailedTests + loadFailures, j.numPendingTests + j.numTodoTests);
    for (const f of j.testResults ?? []) {
      if (f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'))
        fail('unit', `${path.relative(root, f.name)}: ${f.message}`);
      for (const a of f.assertionResults ?? [])
        if (a.status === 'failed')
          fail('unit', `${a.fullName}: ${(a.failureMessages?.[0] ?? '').split('\n')[0]}`);
    }
  } else count(0, 1, 0);

  const nodeTests = [
    'scripts/onnx/onnx.test.mjs',
    'research/int8/quantize.test.mjs',
    'test/reference/reference.test.mjs',
  ].filter((f) => fs.existsSync(path.join(root, f)));
  if (nodeTests.length) nodeTest('unit (node:test)', nodeTests);
}

// The jingjie CLI end to end (issue 24): the real command on three photos and a hostile file,
// resumed, its masks against the reference (three native inferences; `npm test -- cli`).
if (want('cli')) nodeTest('cli (node:test)', ['test/cli/cli.test.mjs']);

let built = false;
const wantE2e = want('e2e');
const wantEngines = want('engines');
if (wantE2e || wantEngines) {
  // The app, then the embeddable package that test/e2e/lib.spec.ts serves (issue 24).
  built = run('build', 'npm', ['run', 'build']) && run('build:lib', 'npm', ['run', 'build:lib']);
  if (!built) count(0, 1, 0);
}

/** Like run(), but in the background: resolves when the command ends. */
function runAsync(name, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`);
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((done) =>
    child.on('close', (code) => {
      const ok = code === 0;
      stages.push({ name, ok, s: ((Date.now() - t0) / 1000).toFixed(0) });
      done(ok);
    }),
  );
}

/** One Playwright run; its counts come from its JSON report. */
async function playwright(name, args, env = {}) {
  const out = path.join(tmp, `${name.replace(/\W+/g, '-')}.json`);
  await runAsync(name, 'npx', ['playwright', 'test', '--reporter=list,json', ...args], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: out,
    JJ_SKIP_BUILD: '1', // built just above
    ...env,
  });
  if (fs.existsSync(out)) {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    const s = report.stats ?? {};
    count(s.expected ?? 0, (s.unexpected ?? 0) + (s.flaky ?? 0), s.skipped ?? 0);
    // Each failed (or flaky) test, with the first line of its first error.
    const walk = (suite, titles) => {
      for (const spec of suite.specs ?? [])
        for (const t of spec.tests ?? [])
          if (t.status === 'unexpected' || t.status === 'flaky') {
            const err = t.results?.find((r) => r.error)?.error?.message ?? '';
            fail(name, `${[...titles, spec.title].join(' › ')} (${t.status}): ${err.split('\n')[0]}`);
          }
      for (const sub of suite.suites ?? []) walk(sub, [...titles, sub.title]);
    };
    for (const suite of report.suites ?? []) walk(suite, [suite.title]);
    for (const e of report.errors ?? []) fail(name, e.message ?? e);
  } else count(0, 1, 0);
}

// The cross-engine tier (issue 21): the same build in Chromium, Firefox ESR and WebKitGTK
// (`npm run e2e:engines`; `npm test -- engines` runs only this stage, building first;
// `npm test -- engines webkit` one engine).
const GATED = ['chromium', 'firefox', 'webkit'];
async function engines() {
  const out = path.join(tmp, 'engines.json');
  const list = only[0] === 'engines' && only.length > 1 ? only.slice(1) : GATED;
  await runAsync(`e2e engines (${list.join(', ')})`, 'npx', ['tsx', 'test/engines/run.ts', ...list], {
    JJ_ENGINES_JSON: out,
    JJ_SKIP_BUILD: '1',
  });
  if (fs.existsSync(out)) {
    const c = JSON.parse(fs.readFileSync(out, 'utf8'));
    count(c.passed, c.failed, c.skipped);
    for (const f of c.failures ?? []) fail('engines', f);
  } else count(0, 1, 0);
}

if (built) {
  if (wantE2e && only.length > 1) await playwright('e2e (playwright)', only.slice(1));
  else if (wantE2e) {
    // Two lanes at once: the `engine` tier is bound by the model's two WASM threads, the `ui` tier
    // (stand-in engine) and the cross-engine tier mostly wait on browsers, so they run beside it,
    // each Playwright run with its own server port and output folder.
    await Promise.all([
      playwright('e2e engine tier (playwright)', ['--project=engine', '--output=test-results/engine']),
      (async () => {
        await playwright('e2e ui tier (playwright)', ['--project=ui', '--output=test-results/ui'], {
          JJ_PORT: '4174',
        });
        if (wantEngines) await engines();
      })(),
    ]);
  } else if (wantEngines) await engines();
}

if (failures.length) console.log('\nfailures:\n' + failures.map((f) => `  ${f}`).join('\n'));
console.log('\n' + stages.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.s} s)`).join('\n'));
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 && stages.every((s) => s.ok) ? 0 : 1);
