// deploy/k8s/cli-job.yaml, the Indexed Job that runs the jingjie CLI in shards: read by kubectl
// (`--local`, no cluster: a client-side dry run of the YAML) or, without kubectl, by Python's
// yaml module, then checked against the batch/v1 Job fields it relies on, with their types.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const FILE = path.resolve(import.meta.dirname, '../../deploy/k8s/cli-job.yaml');

type Obj = Record<string, unknown>;

/** The manifest's documents as JSON, by the first reader this machine has; undefined if none. */
function readManifest(): { by: string; docs: Obj[] } | undefined {
  const kubectl = spawnSync(
    'kubectl',
    ['annotate', '--local', '-f', FILE, '-o', 'json', 'jingjie.dev/checked=1'],
    {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    },
  );
  if (kubectl.status === 0)
    // One JSON object per document, back to back.
    return { by: 'kubectl', docs: JSON.parse(`[${kubectl.stdout.replace(/^}\s*{/gm, '},{')}]`) as Obj[] };
  if (!kubectl.error) throw new Error(`kubectl refused ${FILE}: ${kubectl.stderr}`);
  const py = spawnSync(
    'python3',
    ['-c', 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))', FILE],
    { encoding: 'utf8' },
  );
  if (py.status === 0) return { by: 'python3-yaml', docs: JSON.parse(py.stdout) as Obj[] };
  return undefined;
}

const manifest = readManifest();
const at = (o: unknown, p: string): unknown =>
  p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);

/** A field of batch/v1 Job (or its pod template) with the type Kubernetes expects. */
function expectType(o: unknown, p: string, type: 'string' | 'int' | 'array' | 'object'): void {
  const v = at(o, p);
  const ok =
    type === 'int'
      ? Number.isInteger(v)
      : type === 'array'
        ? Array.isArray(v)
        : type === 'object'
          ? !!v && typeof v === 'object' && !Array.isArray(v)
          : typeof v === 'string';
  expect(ok, `${p} should be ${type}, is ${JSON.stringify(v)}`).toBe(true);
}

describe.skipIf(!manifest)(`the CLI's Indexed Job (read by ${manifest?.by ?? 'nothing'})`, () => {
  const docs = manifest?.docs ?? [];
  const job = docs.find((d) => d.kind === 'Job');
  const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');

  it('is a batch/v1 Indexed Job with its required fields and types', () => {
    expect(job?.apiVersion).toBe('batch/v1');
    expectType(job, 'metadata.name', 'string');
    expect(at(job, 'spec.completionMode')).toBe('Indexed');
    for (const f of [
      'spec.completions',
      'spec.parallelism',
      'spec.backoffLimitPerIndex',
      'spec.ttlSecondsAfterFinished',
    ])
      expectType(job, f, 'int');
    expect(at(job, 'spec.parallelism') as number).toBeLessThanOrEqual(at(job, 'spec.completions') as number);
    expectType(job, 'spec.template.spec.containers', 'array');
    // podFailurePolicy needs restartPolicy Never.
    expect(at(job, 'spec.template.spec.restartPolicy')).toBe('Never');
  });

  it('runs shard $(JOB_COMPLETION_INDEX) of as many shards as completions, on the shared claim', () => {
    const spec = at(job, 'spec.template.spec') as Obj;
    const [c] = spec.containers as Obj[];
    expectType(c, 'name', 'string');
    expectType(c, 'image', 'string');
    const args = c.args as string[];
    expect(args.every((a) => typeof a === 'string')).toBe(true);
    expect(args[args.indexOf('--shard') + 1]).toBe(
      `$(JOB_COMPLETION_INDEX)/${String(at(job, 'spec.completions'))}`,
    );
    const list = args[args.indexOf('--files-from') + 1];
    const out = args[args.indexOf('--out') + 1];
    const mounts = c.volumeMounts as { name: string; mountPath: string }[];
    const data = mounts.find((m) => list.startsWith(`${m.mountPath}/`) && out.startsWith(`${m.mountPath}/`));
    expect(data, 'list and outputs on one mounted volume').toBeDefined();
    const vol = (spec.volumes as Obj[]).find((v) => v.name === data?.name);
    expect(at(vol, 'persistentVolumeClaim.claimName')).toBe(at(pvc, 'metadata.name'));
    expect(at(pvc, 'spec.accessModes')).toContain('ReadWriteMany');
  });

  it('its failure policy names the container and the CLI exit codes', () => {
    const [c] = at(job, 'spec.template.spec.containers') as Obj[];
    const rules = at(job, 'spec.podFailurePolicy.rules') as Obj[];
    expect(rules.map((r) => [r.action, at(r, 'onExitCodes.values')])).toEqual([
      ['FailIndex', [1]],
      ['FailJob', [2]],
    ]);
    for (const r of rules) expect(at(r, 'onExitCodes.containerName')).toBe(c.name);
  });

  it('is not selected by the web Service (its pods are labelled apart)', () => {
    expect(at(job, 'spec.template.metadata.labels')).toMatchObject({
      'app.kubernetes.io/name': 'jingjie-cli',
    });
  });
});
