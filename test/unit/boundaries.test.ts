// The import boundaries in eslint.config.js: each rule fails on a file that crosses it and passes
// on one that does not. The snippets are linted as if they lived at the given paths.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const RULE = '@typescript-eslint/no-restricted-imports';

/** The project's config with every typescript-eslint rule but the boundary one off: boundaries are
 * syntax, so the snippets need no type information (and no tsconfig that includes their paths). */
async function linter(): Promise<ESLint> {
  const rules = new Set<string>();
  for (const f of ['workers/x.ts', 'src/x.tsx', 'src/shared/x.ts']) {
    const c = (await new ESLint().calculateConfigForFile(f)) as { rules?: Record<string, unknown> };
    for (const r of Object.keys(c.rules ?? {}))
      if (r.startsWith('@typescript-eslint/') && r !== RULE) rules.add(r);
  }
  return new ESLint({
    overrideConfig: {
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: Object.fromEntries([...rules].map((r) => [r, 'off'])),
    },
  });
}
const eslint = await linter();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === RULE || m.fatal).map((m) => m.message);
}

describe('import boundaries', () => {
  it('a worker importing page code fails', async () => {
    const msgs = await restricted(
      'workers/pipeline/fixture.ts',
      "import { queue } from '../../src/app/services';\nexport const q = queue;\n",
    );
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain('workers/** may import only');
  });

  it('the CLI may use the pipeline and src/shared, never the page', async () => {
    const page = await restricted(
      'cli/fixture.ts',
      "import { queue } from '../src/app/services';\nexport const q = queue;\n",
    );
    expect(page).toHaveLength(1);
    expect(page[0]).toContain('cli/** may import only');
    const ok = await restricted(
      'cli/fixture.ts',
      "import { cutOut } from '../workers/cutout';\nimport { ResultNamer } from '../src/shared/names';\nexport const x = [cutOut, ResultNamer];\n",
    );
    expect(ok).toEqual([]);
  });

  it('a worker importing src/shared or another worker file passes', async () => {
    const msgs = await restricted(
      'workers/pipeline/fixture.ts',
      "import { JingjieError } from '../../src/shared/errors';\nimport { compose } from './compose';\nexport const x = [JingjieError, compose];\n",
    );
    expect(msgs).toEqual([]);
  });

  it('the page importing worker code at run time fails; `import type` passes', async () => {
    const value = await restricted(
      'src/features/input/fixture.ts',
      "import { compose } from '../../../workers/pipeline/compose';\nexport const c = compose;\n",
    );
    expect(value).toHaveLength(1);
    const type = await restricted(
      'src/engine/fixture.ts',
      "import type { InferenceApi } from '../../workers/inference.worker';\nexport type A = InferenceApi;\n",
    );
    expect(type).toEqual([]);
  });

  it('src/shared importing anything else from the project fails', async () => {
    const msgs = await restricted(
      'src/shared/fixture.ts',
      "import { openWithStores } from '../storage/queue-db';\nexport const o = openWithStores;\n",
    );
    expect(msgs).toHaveLength(1);
  });

  it("a feature importing another feature's insides or src/app fails; its index passes", async () => {
    const inside = await restricted(
      'src/features/result/fixture.ts',
      "import type { QueueApi } from '../queue/types';\nexport type Q = QueueApi;\n",
    );
    expect(inside).toHaveLength(1);
    expect(inside[0]).toContain('through its index.ts');
    const app = await restricted(
      'src/features/queue/fixture.ts',
      "import { engine } from '../../app/services';\nexport const e = engine;\n",
    );
    expect(app).toHaveLength(1);
    const index = await restricted(
      'src/features/result/fixture.ts',
      "import type { QueueApi } from '../queue';\nimport { JingjieError } from '../../shared/errors';\nimport { useI18n } from '../../i18n';\nexport const x = [JingjieError, useI18n];\nexport type Q = QueueApi;\n",
    );
    expect(index).toEqual([]);
    const own = await restricted(
      'src/features/result/fixture.ts',
      "import { saveBlob } from './exporter';\nexport const s = saveBlob;\n",
    );
    expect(own).toEqual([]);
  });

  it('the package (lib/) reaches only the engine and the shared contracts', async () => {
    const react = await restricted(
      'lib/fixture.ts',
      "import { createQueue } from '../src/features/queue';\nexport const q = createQueue;\n",
    );
    expect(react).toHaveLength(1);
    expect(react[0]).toContain('lib/** may import only');
    const worker = await restricted(
      'lib/fixture.ts',
      "import { jobs } from '../workers/jobs';\nexport const j = jobs;\n",
    );
    expect(worker).toHaveLength(1);
    const ok = await restricted(
      'lib/fixture.ts',
      "import { createEngine } from '../src/engine';\nimport { FORMATS } from '../src/shared/formats';\nexport const x = [createEngine, FORMATS];\n",
    );
    expect(ok).toEqual([]);
  });

  it('branching on an error message fails; on its name passes', async () => {
    const [bad] = await eslint.lintText(
      "export const f = (e: Error) => e.message.includes('another tab');\n",
      { filePath: 'src/app/fixture.ts' },
    );
    expect(bad.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax');
    const [bad2] = await eslint.lintText('export const f = (e: Error) => /quota/i.test(e.message);\n', {
      filePath: 'workers/fixture.ts',
    });
    expect(bad2.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax');
    const [good] = await eslint.lintText("export const f = (e: Error) => e.name === 'QuotaExceeded';\n", {
      filePath: 'src/app/fixture.ts',
    });
    expect(good.messages.filter((m) => m.ruleId === 'no-restricted-syntax')).toEqual([]);
  });
});
