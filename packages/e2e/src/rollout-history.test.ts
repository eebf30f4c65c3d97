/**
 * Rollout history and undo of DaemonSets and StatefulSets over live processes (api-server, scheduler,
 * controller-manager, `--runtime simulated` node agents), driven by kubectl 1.32: kubectl lists the owner's
 * ControllerRevisions by its selector, prints them, and undoes by patching the owner's template with a revision's
 * data; the controllers must then roll the pods back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type ControllerRevision, type Pod, type StatefulSet } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { agentDaemonSet, kubectlIn } from './fixtures.js';
import { writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-rollout-history-'));
const suffix = Math.random().toString(36).slice(2, 7);
const NODES = [`rh-${suffix}-0`, `rh-${suffix}-1`];
let kubeconfig = '';

const kubectl = kubectlIn(dir, () => kubeconfig);
const revisions = () => cluster.client.resource<ControllerRevision>(RESOURCES.controllerrevisions);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const livePods = async (selector: string): Promise<Pod[]> => (await cluster.client.pods.list({ namespace: NS, labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
/** historyRows is `kubectl rollout history`'s table as [revision, change-cause] rows. */
const historyRows = (out: string): string[][] => out.split('\n').filter((l) => /^\d+\s/.test(l)).map((l) => l.trim().split(/\s+/));

/** allOn waits until exactly `count` pods of the selector are live and Ready, every one running `image`. */
async function allOn(selector: string, count: number, image: string): Promise<Pod[]> {
  return waitFor(async () => {
    const pods = await livePods(selector);
    return pods.length === count && pods.every((p) => isReady(p) && p.spec.containers[0]!.image === image) ? pods : undefined;
  }, { what: `${count} Ready ${selector} pods on ${image}`, timeoutMs: 90_000 });
}

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  await cluster.startSimulatedCluster(NODES, ['--simulated-start-delay', '100ms']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('kubectl rollout history and undo', () => {
  it('DaemonSet: an image update is revision 2, undo brings revision 1 back as 3 and the pods roll back; the revisions go with the DaemonSet', async () => {
    writeFileSync(join(dir, 'ds.yaml'), JSON.stringify(agentDaemonSet({ terminationGracePeriodSeconds: 1 })));
    await kubectl('apply', '-f', join(dir, 'ds.yaml'));
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=90s')).toContain('daemon set "agent" successfully rolled out');
    const v1Hash = (await allOn('app=agent', 2, 'busybox:1.36'))[0]!.metadata.labels?.['controller-revision-hash'];

    await kubectl('set', 'image', 'ds/agent', 'agent=busybox:latest');
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=90s')).toContain('daemon set "agent" successfully rolled out');
    await allOn('app=agent', 2, 'busybox:latest');
    expect(historyRows(await kubectl('rollout', 'history', 'ds/agent'))).toEqual([['1', '<none>'], ['2', '<none>']]);
    expect(await kubectl('rollout', 'history', 'ds/agent', '--revision=1')).toMatch(/Image:\s+busybox:1\.36/);
    const table = (await kubectl('get', 'controllerrevisions', '-l', 'app=agent')).trim().split('\n');
    expect(table[0]).toMatch(/^NAME\s+CONTROLLER\s+REVISION\s+AGE$/);
    const rows = table.slice(1).map((l) => l.split(/\s+/).slice(0, 3)).sort((a, b) => a[2]!.localeCompare(b[2]!));
    expect(rows).toEqual([[`agent-${v1Hash}`, 'daemonset.apps/agent', '1'], [expect.stringMatching(/^agent-/), 'daemonset.apps/agent', '2']]);

    expect(await kubectl('rollout', 'undo', 'ds/agent')).toContain('daemonset.apps/agent rolled back');
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=90s')).toContain('daemon set "agent" successfully rolled out');
    const back = await allOn('app=agent', 2, 'busybox:1.36');
    expect(back.map((p) => p.metadata.labels?.['controller-revision-hash'])).toEqual([v1Hash, v1Hash]);
    // Revision 1 is the current template again: renumbered 3, not copied.
    await waitFor(async () => JSON.stringify(historyRows(await kubectl('rollout', 'history', 'ds/agent'))) === JSON.stringify([['2', '<none>'], ['3', '<none>']]), { what: 'history 2, 3', timeoutMs: 30_000 });
    expect((await revisions().get(`agent-${v1Hash}`, { namespace: NS })).revision).toBe(3);
    // kubectl compares its own Go encoding of the live template with the revision's data, byte for byte.
    expect(await kubectl('rollout', 'undo', 'ds/agent', '--to-revision=3', '--dry-run=server')).toContain('daemonset.apps/agent skipped rollback (current template already matches revision 3)');

    // Owned through ownerReferences: the garbage collector removes them with the DaemonSet.
    await kubectl('delete', 'ds', 'agent', '--wait=false');
    await waitFor(async () => (await revisions().list({ namespace: NS, labelSelector: 'app=agent' })).items.length === 0, { what: 'the DaemonSet revisions collected', timeoutMs: 60_000 });
  }, 300_000);

  it('StatefulSet: undo --to-revision=1 rolls the pods back and makes revision 1 current again', async () => {
    writeFileSync(
      join(dir, 'sts.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        'metadata: {name: web}',
        'spec:',
        '  serviceName: web',
        '  replicas: 2',
        '  podManagementPolicy: Parallel',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec: {terminationGracePeriodSeconds: 1, containers: [{name: web, image: "busybox:1.36", env: [{name: MODE, value: ""}], ports: [{containerPort: 80}]}]}',
        '',
      ].join('\n'),
    );
    await kubectl('apply', '-f', join(dir, 'sts.yaml'));
    expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=90s')).toContain('partitioned roll out complete: 2 new pods have been updated');
    const sts = () => cluster.client.resource<StatefulSet>(RESOURCES.statefulsets).get('web', { namespace: NS });
    const v1 = (await sts()).status!.updateRevision!;
    expect((await revisions().get(v1, { namespace: NS })).revision).toBe(1);

    await kubectl('set', 'image', 'sts/web', 'web=busybox:latest');
    expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=90s')).toContain('partitioned roll out complete: 2 new pods have been updated');
    const updated = await allOn('app=web', 2, 'busybox:latest');
    const v2 = (await sts()).status!.updateRevision!;
    expect(v2).not.toBe(v1);
    expect(updated.map((p) => p.metadata.labels?.['controller-revision-hash'])).toEqual([v2, v2]);
    expect(historyRows(await kubectl('rollout', 'history', 'sts/web'))).toEqual([['1', '<none>'], ['2', '<none>']]);
    expect(await kubectl('rollout', 'history', 'sts/web', '--revision=2')).toMatch(/Image:\s+busybox:latest/);

    expect(await kubectl('rollout', 'undo', 'sts/web', '--to-revision=1')).toContain('statefulset.apps/web rolled back');
    expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=90s')).toContain('partitioned roll out complete: 2 new pods have been updated');
    const back = await allOn('app=web', 2, 'busybox:1.36');
    expect(back.map((p) => p.metadata.labels?.['controller-revision-hash'])).toEqual([v1, v1]);
    await waitFor(async () => {
      const s = (await sts()).status!;
      return s.currentRevision === v1 && s.updateRevision === v1;
    }, { what: `status.currentRevision and updateRevision ${v1}`, timeoutMs: 30_000 });
    expect(historyRows(await kubectl('rollout', 'history', 'sts/web'))).toEqual([['2', '<none>'], ['3', '<none>']]);
    expect(await kubectl('rollout', 'undo', 'sts/web', '--to-revision=3', '--dry-run=server')).toContain('statefulset.apps/web skipped rollback (current template already matches revision 3)');
    expect(await kubectl('rollout', 'undo', 'sts/web', '--to-revision=2', '--dry-run=server')).toContain('statefulset.apps/web rolled back (server dry run)');
  }, 300_000);

  it('ControllerRevision objects: kubectl creates and lists them, one without data gets a 422, namespace deletion removes them', async () => {
    const ns = `revs-${suffix}`;
    await kubectl('create', 'namespace', ns);
    const manifest = (data: string) =>
      ['apiVersion: apps/v1', 'kind: ControllerRevision', 'metadata: {name: snap}', `revision: 4`, data, ''].join('\n');
    writeFileSync(join(dir, 'cr.yaml'), manifest('data: {spec: {template: {$patch: replace, spec: {containers: [{name: c, image: busybox}]}}}}'));
    writeFileSync(join(dir, 'bad-cr.yaml'), manifest(''));
    await kubectl('apply', '-n', ns, '-f', join(dir, 'cr.yaml'));
    expect((await kubectl('get', 'controllerrevisions', '-n', ns, '--no-headers')).trim()).toMatch(/^snap\s+<none>\s+4\s+\S+$/);
    expect((await revisions().get('snap', { namespace: ns })).data).toEqual({ spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    await expect(kubectl('create', '-n', ns, '-f', join(dir, 'bad-cr.yaml'))).rejects.toThrow(/The ControllerRevision "snap" is invalid: data: Required value: data is mandatory/);

    await kubectl('delete', 'namespace', ns, '--wait=false');
    await waitFor(async () => (await cluster.client.namespaces.list()).items.every((n) => n.metadata.name !== ns), { what: `namespace ${ns} gone with its revisions`, timeoutMs: 90_000 });
    expect((await revisions().list({ namespace: ns })).items).toEqual([]);
  }, 180_000);

  // kubectl compares its own Go encoding of a DaemonSet's or StatefulSet's live template (Go escapes &, <, > as
  // \u0026, \u003c, \u003e) with the ControllerRevision's `data` as the server sent it, byte for byte. For a
  // Deployment it compares the ReplicaSet's decoded template, so there the escaping never mattered.
  it('undo to the current revision of a template with & < > in it is skipped, as kube skips it', async () => {
    const command = '["sh", "-c", "test 1 -lt 2 && echo \\"<ok>\\" >/dev/null && sleep 3600"]';
    const manifest = (kind: string, name: string, extra: string[]) =>
      [
        'apiVersion: apps/v1',
        `kind: ${kind}`,
        `metadata: {name: ${name}}`,
        'spec:',
        ...extra,
        `  selector: {matchLabels: {app: ${name}}}`,
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        `    spec: {terminationGracePeriodSeconds: 1, containers: [{name: c, image: "busybox:1.36", command: ${command}}]}`,
        '',
      ].join('\n');
    const workloads: [string, string, string[]][] = [
      ['DaemonSet', 'ds/amp', []],
      ['StatefulSet', 'sts/amp', ['  serviceName: amp', '  replicas: 1']],
      ['Deployment', 'deploy/amp', ['  replicas: 1']],
    ];
    for (const [kind, ref, extra] of workloads) {
      writeFileSync(join(dir, 'amp.yaml'), manifest(kind, 'amp', extra));
      await kubectl('apply', '-f', join(dir, 'amp.yaml'));
      await waitFor(async () => /^1\s/m.test(await kubectl('rollout', 'history', ref)), { what: `${ref} revision 1`, timeoutMs: 60_000 });
      expect(await kubectl('rollout', 'undo', ref, '--to-revision=1')).toContain(`${kind.toLowerCase()}.apps/amp skipped rollback (current template already matches revision 1)`);
    }
  }, 180_000);
});
