/**
 * Server-side apply with the real kubectl 1.32: migration from client-side apply, managedFields shown only on
 * request, conflicts between field managers, --force-conflicts, and removal of fields a manager drops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { Kubectl } from './kubectl.js';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

function deploymentYaml(name: string, replicas: number, labels = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
${labels}spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        ports:
        - containerPort: 80
`;
}

async function ok(...args: string[]): Promise<string> {
  const r = await k.run(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function managers(name: string): Promise<{ manager: string; operation: string; fieldsV1: any }[]> {
  const out = await ok('get', 'deployment', name, '-o', 'json', '--show-managed-fields');
  return JSON.parse(out).metadata.managedFields;
}

describe('kubectl apply --server-side', () => {
  it('migrates an object from client-side apply: kubectl takes over kubectl-client-side-apply\'s fields, no conflict', async () => {
    const file = k.writeFile('migrate.yaml', deploymentYaml('migrate', 2));
    expect((await ok('apply', '-f', file)).trim()).toBe('deployment.apps/migrate created');
    const before = await managers('migrate');
    expect(before.map((m) => `${m.manager}/${m.operation}`)).toEqual(['kubectl-client-side-apply/Update']);
    expect(before[0]!.fieldsV1['f:spec']['f:replicas']).toEqual({});

    k.writeFile('migrate.yaml', deploymentYaml('migrate', 3));
    expect((await ok('apply', '--server-side', '-f', file)).trim()).toBe('deployment.apps/migrate serverside-applied');
    const after = await managers('migrate');
    const applied = after.find((m) => m.manager === 'kubectl' && m.operation === 'Apply')!;
    expect(applied.fieldsV1['f:spec']['f:replicas']).toEqual({});
    // Ports are keyed by containerPort and the defaulted protocol, as kube keys them.
    expect(applied.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"main"}']['f:ports']).toHaveProperty(['k:{"containerPort":80,"protocol":"TCP"}', 'f:containerPort']);
    // kubectl's csaupgrade then moved the client-side-apply manager's fields into its Apply entry.
    // (kubectl itself records the annotation under "kubectl-last-applied".)
    expect(after.map((m) => `${m.manager}/${m.operation}`)).toEqual(['kubectl/Apply', 'kubectl-last-applied/Apply']);
    const live = JSON.parse(await ok('get', 'deployment', 'migrate', '-o', 'json'));
    expect(JSON.parse(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.replicas).toBe(3);
    expect(live.spec.replicas).toBe(3);
    // A later client-side apply still works from the updated annotation.
    k.writeFile('migrate.yaml', deploymentYaml('migrate', 4));
    expect((await ok('apply', '-f', file)).trim()).toBe('deployment.apps/migrate configured');
  });

  it('get -o yaml hides managedFields; --show-managed-fields shows them', async () => {
    const file = k.writeFile('shown.yaml', deploymentYaml('shown', 1));
    await ok('apply', '--server-side', '-f', file);
    expect(await ok('get', 'deployment', 'shown', '-o', 'yaml')).not.toContain('managedFields');
    const shown = await ok('get', 'deployment', 'shown', '-o', 'yaml', '--show-managed-fields');
    expect(shown).toContain('managedFields:');
    expect(shown).toContain('manager: kubectl');
    expect(shown).toContain('operation: Apply');
    expect(shown).toContain('fieldsType: FieldsV1');
  });

  it('a second field manager conflicts on the fields it would change; --force-conflicts takes them', async () => {
    const file = k.writeFile('conflict.yaml', deploymentYaml('conflict', 1));
    await ok('apply', '--server-side', '-f', file);
    k.writeFile('conflict.yaml', deploymentYaml('conflict', 4));
    const r = await k.run(['apply', '--server-side', '--field-manager=other', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect((await ok('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', file)).trim()).toBe('deployment.apps/conflict serverside-applied');
    const ms = await managers('conflict');
    expect(ms.find((m) => m.manager === 'other')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(ms.find((m) => m.manager === 'kubectl')!.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
  });

  it('removes a label its only applier drops', async () => {
    const file = k.writeFile('drop.yaml', deploymentYaml('drop', 1, '    tier: web\n'));
    await ok('apply', '--server-side', '-f', file);
    expect(JSON.parse(await ok('get', 'deployment', 'drop', '-o', 'json')).metadata.labels).toEqual({ app: 'drop', tier: 'web' });
    k.writeFile('drop.yaml', deploymentYaml('drop', 1));
    await ok('apply', '--server-side', '-f', file);
    expect(JSON.parse(await ok('get', 'deployment', 'drop', '-o', 'json')).metadata.labels).toEqual({ app: 'drop' });
  });
});
