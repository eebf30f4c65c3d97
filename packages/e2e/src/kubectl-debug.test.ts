/**
 * kubectl debug over the built api-server, a Docker node agent and the real kubectl 1.32: an ephemeral container
 * added through pods/ephemeralcontainers joins the pod (and with --target the target's PID namespace), is attached
 * to with a terminal, and reported in status.ephemeralContainerStatuses; --copy-to creates a copy of the pod (sent
 * as protobuf). The subresource's rules (only additions, kube's forbidden fields) answer with 422 Statuses.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';
import { dockerUp, removeNode } from './docker.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const built = existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NS = 'default';
const WAIT = { timeoutMs: 60_000, intervalMs: 300 } as const;

/** underTerminal runs a command under a pseudo-terminal (script), feeding it `input`, and returns its output. */
function underTerminal(command: string, input: string, timeoutMs = 90_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.on('error', () => undefined);
    // The shell reads its commands once kubectl has attached: wait for kubectl's prompt hint before typing.
    const typing = setInterval(() => {
      if (/press enter|\/ #/.test(out)) {
        clearInterval(typing);
        child.stdin.write(input);
      }
    }, 100);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearInterval(typing);
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!built || !dockerUp())('kubectl debug with ephemeral containers and --copy-to (real Docker)', () => {
  const cluster = new Cluster();
  const node = `e2e-debug-${SUFFIX}`;
  let kubeconfig = '';
  const kubectl = (args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 90_000 });
  const getPod = (name: string): Promise<Pod> => cluster.client.pods.get(name, { namespace: NS });
  const patchEphemeral = (name: string, body: unknown) =>
    fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods/${name}/ephemeralcontainers`, { method: 'PATCH', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(cluster.dataDir, cluster.server);
    cluster.start(node, 'node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--log-level', 'warn']);
    await waitFor(async () => (await cluster.client.nodes.get(node)).status?.daemonEndpoints?.kubeletEndpoint?.Port, { what: `node ${node} registered`, timeoutMs: 30_000 });
    await cluster.client.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
      spec: { nodeName: node, containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }] },
    });
    await waitFor(async () => ((await getPod('web')).status?.containerStatuses?.[0]?.state?.running ? true : undefined), { ...WAIT, what: 'pod web running' });
  }, 90_000);
  afterAll(async () => {
    await cluster.stop();
    await removeNode(node);
  }, 60_000);

  it('kubectl debug -it --target attaches a terminal to an ephemeral container that sees the target processes', async () => {
    const r = await underTerminal(`kubectl --kubeconfig ${kubeconfig} debug -it web --image=busybox:1.36 --target=app -c dbg -- sh`, 'ps -o pid,args; tty; exit 0\n');
    expect(r.out).toContain('sleep 3600'); // the app container's process, through the shared PID namespace
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code, r.out).toBe(0);
    const pod = await waitFor(async () => {
      const p = await getPod('web');
      return p.status?.ephemeralContainerStatuses?.[0]?.state?.terminated ? p : undefined;
    }, { ...WAIT, what: 'dbg terminated in ephemeralContainerStatuses' });
    expect(pod.spec.ephemeralContainers?.map((c) => [c.name, c.targetContainerName, c.tty])).toEqual([['dbg', 'app', true]]);
    expect(pod.status?.ephemeralContainerStatuses?.[0]).toMatchObject({ name: 'dbg', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } });
    // Never restarted, and the pod's own container is untouched.
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', restartCount: 0, state: { running: {} } });
    expect(await kubectl(['logs', 'web', '-c', 'dbg'])).toContain('sleep 3600');
  }, 120_000);

  it('only adds ephemeral containers: removing, changing and kube-forbidden fields are 422 Invalid', async () => {
    const current = (await getPod('web')).spec.ephemeralContainers ?? [];
    expect(current).toHaveLength(1);
    const removed = await fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods/web/ephemeralcontainers`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'remove', path: '/spec/ephemeralContainers/0' }]),
    });
    expect(removed.status).toBe(422);
    expect(await removed.json()).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'spec.ephemeralContainers', message: 'Forbidden: existing ephemeral containers "dbg" may not be removed' }] } });
    const changed = await patchEphemeral('web', { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox:latest' }] } });
    expect(changed.status).toBe(422);
    expect(JSON.stringify(await changed.json())).toContain('existing ephemeral containers \\"dbg\\" may not be changed');
    const ports = await patchEphemeral('web', { spec: { ephemeralContainers: [{ name: 'p', image: 'busybox:1.36', ports: [{ containerPort: 80 }], targetContainerName: 'nope' }] } });
    expect(ports.status).toBe(422);
    const causes = ((await ports.json()) as { details: { causes: Array<{ field: string; message: string }> } }).details.causes;
    expect(causes).toEqual(
      expect.arrayContaining([
        // The index is where the strategic merge put the new entry (kubectl sends $setElementOrder to choose it).
        expect.objectContaining({ field: expect.stringMatching(/^spec\.ephemeralContainers\[\d\]\.ports$/), message: 'Forbidden: cannot be set for an Ephemeral Container' }),
        expect.objectContaining({ field: expect.stringMatching(/^spec\.ephemeralContainers\[\d\]\.targetContainerName$/), message: 'Not found: "nope"' }),
      ]),
    );
    const dup = await patchEphemeral('web', { spec: { ephemeralContainers: [{ name: 'app', image: 'busybox:1.36' }] } });
    expect(dup.status).toBe(422);
    expect(((await dup.json()) as { message: string }).message).toMatch(/^Pod "web" is invalid: spec\.ephemeralContainers\[\d\]\.name: Duplicate value: "app"$/);
    // The main resource neither adds nor drops them: a PUT without the list keeps the stored one.
    const pod = await getPod('web');
    delete pod.spec.ephemeralContainers;
    const put = await cluster.client.pods.update(pod);
    expect(put.spec.ephemeralContainers?.map((c) => c.name)).toEqual(['dbg']);
    // Nor can a pod be created with them.
    const created = await fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'eph-create' }, spec: { containers: [{ name: 'a', image: 'busybox:1.36' }], ephemeralContainers: [{ name: 'e', image: 'busybox:1.36' }] } }),
    });
    expect(created.status).toBe(422);
    expect(JSON.stringify(await created.json())).toContain('spec.ephemeralContainers: Forbidden: cannot be set on create');
  }, 60_000);

  it('kubectl debug --copy-to creates a running copy of the pod with the debug container added', async () => {
    await kubectl(['debug', 'web', '--copy-to=web-copy', '--same-node', '--image=busybox:1.36', '--container=probe', '--', 'sh', '-c', 'echo copied-$((40+2)); sleep 3600']);
    const copy = await waitFor(async () => {
      const p = await getPod('web-copy').catch(() => undefined);
      return p?.status?.containerStatuses?.length === 2 && p.status.containerStatuses.every((c) => c.state?.running) ? p : undefined;
    }, { ...WAIT, what: 'web-copy running both containers' });
    expect(copy.spec.containers.map((c) => c.name)).toEqual(['app', 'probe']);
    expect(copy.spec.ephemeralContainers).toBeUndefined();
    expect(copy.spec.tolerations?.map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    await waitFor(async () => ((await kubectl(['logs', 'web-copy', '-c', 'probe'])).includes('copied-42') ? true : undefined), { ...WAIT, what: 'copy logs' });
  }, 120_000);
});
