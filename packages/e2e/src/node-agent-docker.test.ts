/**
 * Node agent crash safety over real processes and a real Docker engine: the built api-server and node agents
 * (`--runtime docker`), pods bound by `spec.nodeName` (no scheduler), agents SIGKILLed and restarted. After every
 * restart each pod must run exactly once: one running sandbox plus one running container per pod container,
 * the same Docker containers as before (nothing restarted, duplicated or lost), and two agents sharing one engine
 * must never touch each other's containers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { Cluster, mainOf } from './cluster.js';
import { docker, dockerUp, removeNode, sleepForever } from './docker.js';
import { waitFor } from '@skiff/testing';

const available = dockerUp() && existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE_A = `e2e-dk-a-${SUFFIX}`;
const NODE_B = `e2e-dk-b-${SUFFIX}`;
const NS = 'default';
const cluster = new Cluster();

/** Box is one Docker container of a node, read from its skiff labels. */
interface Box {
  id: string;
  state: string;
  uid: string;
  kind: string;
  container: string;
  restart: string;
}

async function boxes(node: string): Promise<Box[]> {
  const format = '{{.ID}}|{{.State}}|{{.Label "skiff.dev/pod-uid"}}|{{.Label "skiff.dev/kind"}}|{{.Label "skiff.dev/container-name"}}|{{.Label "skiff.dev/restart-count"}}';
  const out = await docker(['ps', '-a', '--no-trunc', '--filter', `label=skiff.dev/node=${node}`, '--format', format]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id = '', state = '', uid = '', kind = '', container = '', restart = ''] = l.split('|');
      return { id, state, uid, kind, container, restart };
    });
}

function startAgent(node: string): void {
  cluster.start(node, 'node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', '--evented-pleg-relist-period', '1s', '--log-level', 'info']);
}

async function agentStarted(node: string): Promise<void> {
  await waitFor(() => (cluster.components.get(node)?.logs() ?? '').includes('node agent started'), { what: `${node} to start`, timeoutMs: 30_000 });
}

function pod(name: string, node: string, containers = ['main', 'side']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { test: 'node-agent-docker' } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: containers.map((c) => ({ name: c, image: 'busybox:1.36', command: sleepForever })),
    },
  };
}

async function pods(node: string): Promise<Pod[]> {
  return (await cluster.client.pods.list({ namespace: NS, fieldSelector: `spec.nodeName=${node}` })).items;
}

function running(p: Pod | undefined): boolean {
  return p?.status?.phase === 'Running' && (p.status.containerStatuses ?? []).length === p.spec.containers.length && (p.status.containerStatuses ?? []).every((c) => c.state?.running);
}

/**
 * exactlyOnce checks what Docker holds for a node against the pods bound to it: per pod one running sandbox and
 * one running container per pod container, and nothing for any other pod UID.
 */
async function exactlyOnce(node: string): Promise<{ pods: Pod[]; boxes: Box[] }> {
  const list = await pods(node);
  const all = await boxes(node);
  const uids = new Set(list.map((p) => p.metadata.uid ?? ''));
  expect(all.filter((b) => !uids.has(b.uid)), `containers of pods not bound to ${node}`).toEqual([]);
  for (const p of list) {
    const mine = all.filter((b) => b.uid === p.metadata.uid);
    const sandboxes = mine.filter((b) => b.kind === 'sandbox');
    expect(sandboxes.map((b) => b.state), `${p.metadata.name} sandboxes`).toEqual(['running']);
    const want = p.spec.containers.map((c) => `${c.name}=running`).sort();
    expect(mine.filter((b) => b.kind !== 'sandbox').map((b) => `${b.container}=${b.state}`).sort(), `${p.metadata.name} containers`).toEqual(want);
  }
  return { pods: list, boxes: all };
}

async function allRunning(node: string, count: number): Promise<void> {
  try {
    await waitFor(async () => {
      const list = await pods(node);
      return list.length === count && list.every(running);
    }, { what: `${count} pods Running on ${node}`, timeoutMs: 60_000, intervalMs: 250 });
  } catch (err) {
    const stuck = (await pods(node)).filter((p) => !running(p)).map((p) => ({ name: p.metadata.name, status: p.status }));
    const logs = (cluster.components.get(node)?.logs() ?? '').split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-10);
    throw new Error(`${(err as Error).message}\nnot running: ${JSON.stringify(stuck)}\nagent warnings: ${logs.join('\n')}`);
  }
}

/** AgentCounters are the node agent's /metrics series that tell whether it is still acting. */
interface AgentCounters {
  relists: number;
  events: number;
  busy: number;
}

async function agentCounters(node: string): Promise<AgentCounters> {
  // The agent listens on a port of its own choosing (--listen 127.0.0.1:0) and says which when it starts.
  const listen = /"listen":"([^"]+)"/.exec(cluster.components.get(node)?.logs() ?? '')?.[1];
  if (!listen) throw new Error(`${node}'s agent has not said where it listens`);
  const text = await (await fetch(`http://${listen}/metrics`)).text();
  const value = (name: string): number => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in ${node}'s /metrics`);
    return Number(m[1]);
  };
  return { relists: value('skiff_node_agent_pleg_relists_total'), events: value('skiff_node_agent_pleg_events_total'), busy: value('skiff_node_agent_pod_workers_busy') };
}

/**
 * settled waits until a node's agent has relisted Docker three times finding no container change, with no pod
 * worker busy at either end of that run: whatever it was going to do it has done, and Docker shows it. It is the
 * positive signal for "and nothing changes afterwards": an agent that keeps touching containers never settles.
 * The agents run with --evented-pleg-relist-period 1s, so an agent that hears no Docker event still relists.
 */
async function settled(node: string): Promise<void> {
  let base: AgentCounters | undefined;
  await waitFor(async () => {
    const now = await agentCounters(node);
    if (!base || now.events !== base.events || now.busy > 0) {
      base = now.busy > 0 ? undefined : now;
      return false;
    }
    return now.relists >= base.relists + 3;
  }, { what: `${node}'s agent to settle (three relists finding no change)`, timeoutMs: 60_000, intervalMs: 100 });
}

describe.skipIf(!available)('node agent with real Docker: crash safety', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    startAgent(NODE_A);
    startAgent(NODE_B);
    await agentStarted(NODE_A);
    await agentStarted(NODE_B);
  }, 60_000);

  afterAll(async () => {
    await cluster.stop();
    await removeNode(NODE_A);
    await removeNode(NODE_B);
  }, 60_000);

  it('SIGKILL and restart with running pods: every pod runs exactly once, nothing restarted', async () => {
    for (let i = 0; i < 4; i++) await cluster.client.pods.create(pod(`steady-${i}`, NODE_A));
    await cluster.client.pods.create(pod('gone', NODE_A, ['main']));
    await allRunning(NODE_A, 5);
    const before = await exactlyOnce(NODE_A);
    const goneUid = before.pods.find((p) => p.metadata.name === 'gone')?.metadata.uid;

    await cluster.kill(NODE_A, 'SIGKILL');
    // While the agent is dead: one pod is deleted (its delete cannot finish yet) and one more is bound.
    await cluster.client.pods.delete('gone', { namespace: NS });
    await cluster.client.pods.create(pod('late', NODE_A));
    startAgent(NODE_A);
    await agentStarted(NODE_A);
    await waitFor(async () => !(await pods(NODE_A)).some((p) => p.metadata.name === 'gone'), { what: 'the deleted pod to be finished', timeoutMs: 30_000 });
    await allRunning(NODE_A, 5);
    // Nothing may change after convergence: the agent relists and finds nothing more to do.
    await settled(NODE_A);
    const after = await exactlyOnce(NODE_A);
    expect(after.boxes.some((b) => b.uid === goneUid)).toBe(false);
    const ids = (bs: Box[], uid: string | undefined): string[] => bs.filter((b) => b.uid === uid).map((b) => b.id).sort();
    for (const p of after.pods.filter((x) => x.metadata.name !== 'late')) {
      const old = before.pods.find((x) => x.metadata.uid === p.metadata.uid)!;
      expect(ids(after.boxes, p.metadata.uid), `${p.metadata.name} kept its containers`).toEqual(ids(before.boxes, p.metadata.uid));
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.containerStatuses?.map((c) => c.restartCount)).toEqual(old.status?.containerStatuses?.map((c) => c.restartCount));
      expect(p.status?.containerStatuses?.map((c) => c.containerID)).toEqual(old.status?.containerStatuses?.map((c) => c.containerID));
    }
  }, 150_000);

  it('SIGKILL while pods are being started: after the restart each runs exactly once', async () => {
    for (const p of await pods(NODE_A)) await cluster.client.pods.delete(p.metadata.name!, { namespace: NS });
    await waitFor(async () => (await pods(NODE_A)).length === 0 && (await boxes(NODE_A)).length === 0, { what: 'node A to be empty', timeoutMs: 60_000 });
    const n = 8;
    await Promise.all(Array.from({ length: n }, (_, i) => cluster.client.pods.create(pod(`burst-${i}`, NODE_A))));
    // Kill in the middle of starting: some sandboxes exist, some containers are created but not started.
    await waitFor(async () => (await boxes(NODE_A)).length >= 3, { what: 'the first containers', timeoutMs: 30_000, intervalMs: 20 });
    await cluster.kill(NODE_A, 'SIGKILL');
    const partial = await boxes(NODE_A);
    startAgent(NODE_A);
    await agentStarted(NODE_A);
    await allRunning(NODE_A, n);
    await settled(NODE_A);
    const after = await exactlyOnce(NODE_A);
    // Containers that were running at the kill were adopted, not replaced.
    for (const b of partial.filter((x) => x.state === 'running')) expect(after.boxes.map((x) => x.id)).toContain(b.id);
    for (const p of after.pods) expect(p.status?.containerStatuses?.every((c) => c.restartCount === 0)).toBe(true);
  }, 150_000);

  it('adopts a sandbox left by a killed agent and replaces a container it created but never started', async () => {
    await cluster.kill(NODE_A, 'SIGKILL');
    const p = await cluster.client.pods.create(pod('half', NODE_A, ['main']));
    const uid = p.metadata.uid ?? '';
    const labels = (kind: string, container: string): string[] =>
      Object.entries({ 'skiff.dev/managed': 'true', 'skiff.dev/node': NODE_A, 'skiff.dev/kind': kind, 'skiff.dev/pod-uid': uid, 'skiff.dev/pod-namespace': NS, 'skiff.dev/pod-name': 'half', 'skiff.dev/container-name': container, 'skiff.dev/restart-count': '0' }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    // What an agent killed between "create" and "start" leaves: a running sandbox, and a container (under the
    // name the agent would use again) that was created in it but never started.
    const sandbox = (await docker(['run', '-d', '--ipc=shareable', ...labels('sandbox', ''), `--name=skiff_${NODE_A}_${NS}_half_POD_${uid.slice(0, 8)}_0_test`, 'registry.k8s.io/pause:3.10'])).trim();
    const stale = (await docker(['create', ...labels('container', 'main'), `--name=skiff_${NODE_A}_${NS}_half_main_${uid.slice(0, 8)}_0`, `--network=container:${sandbox}`, 'busybox:1.36', 'sleep', '3600'])).trim();
    startAgent(NODE_A);
    await agentStarted(NODE_A);
    await allRunning(NODE_A, 9);
    const after = await exactlyOnce(NODE_A);
    const mine = after.boxes.filter((b) => b.uid === uid);
    expect(mine.find((b) => b.kind === 'sandbox')?.id).toBe(sandbox);
    expect(mine.map((b) => b.id)).not.toContain(stale);
    const half = after.pods.find((x) => x.metadata.uid === uid);
    expect(half?.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  }, 150_000);

  it('two agents on one engine: restarting or stopping B never touches the containers of A', async () => {
    await allRunning(NODE_A, 9);
    for (let i = 0; i < 3; i++) await cluster.client.pods.create(pod(`b-${i}`, NODE_B));
    await allRunning(NODE_B, 3);
    const a0 = await exactlyOnce(NODE_A);
    const b0 = await exactlyOnce(NODE_B);
    const snapshot = (bs: Box[]): string[] => bs.map((b) => `${b.id}=${b.state}`).sort();
    // The nodes' containers are disjoint.
    expect(a0.boxes.filter((x) => b0.boxes.some((y) => y.id === x.id))).toEqual([]);

    await cluster.kill(NODE_B, 'SIGKILL');
    startAgent(NODE_B);
    await agentStarted(NODE_B);
    // B has adopted what it found and acted on it (a B that took A's containers for orphans has removed them).
    await settled(NODE_B);
    expect(snapshot((await exactlyOnce(NODE_A)).boxes)).toEqual(snapshot(a0.boxes));
    expect(snapshot((await exactlyOnce(NODE_B)).boxes)).toEqual(snapshot(b0.boxes));

    // Stopping B (SIGTERM) leaves its pods and A's alone; a pod deleted from B while B is down is not A's business.
    await cluster.kill(NODE_B, 'SIGTERM');
    await cluster.client.pods.delete('b-0', { namespace: NS });
    await settled(NODE_A);
    expect(snapshot((await exactlyOnce(NODE_A)).boxes)).toEqual(snapshot(a0.boxes));
    expect((await boxes(NODE_B)).length).toBe(b0.boxes.length);
    startAgent(NODE_B);
    await agentStarted(NODE_B);
    await waitFor(async () => (await pods(NODE_B)).length === 2, { what: 'b-0 to be finished by B', timeoutMs: 30_000 });
    // The agent finishes the API delete once the containers stopped and removes them right after (kubelet too
    // removes them after the pod object is gone), so their removal may still be in progress here.
    const b0uid = b0.pods.find((p) => p.metadata.name === 'b-0')?.metadata.uid;
    await waitFor(async () => !(await boxes(NODE_B)).some((b) => b.uid === b0uid), { what: "b-0's containers to be removed", timeoutMs: 30_000 });
    await exactlyOnce(NODE_B);
    expect(snapshot((await exactlyOnce(NODE_A)).boxes)).toEqual(snapshot(a0.boxes));
  }, 150_000);

  it("keeps volume files under this cluster's own --root-dir, not the host-wide /var/lib/skiff-agent other clusters share", async () => {
    const p = pod('files', NODE_B, ['main']);
    p.spec.volumes = [{ name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }];
    p.spec.containers[0]!.volumeMounts = [{ name: 'info', mountPath: '/info' }];
    const uid = (await cluster.client.pods.create(p)).metadata.uid;
    await allRunning(NODE_B, 3);
    const main = (await boxes(NODE_B)).find((b) => b.uid === uid && b.kind !== 'sandbox');
    const mounts = JSON.parse(await docker(['inspect', '--format', '{{json .Mounts}}', main!.id])) as Array<{ Type: string; Source: string; Destination: string }>;
    const source = mounts.find((m) => m.Destination === '/info')?.Source ?? '';
    // Docker bind-mounts the agent's files from where the agent wrote them: under this cluster's data directory.
    expect(source.startsWith(join(cluster.dataDir, 'agents', NODE_B) + '/'), source).toBe(true);
    expect(readFileSync(join(source, 'name'), 'utf8')).toBe('files');
    expect(mounts.filter((m) => m.Source.startsWith('/var/lib/skiff-agent') || m.Source.startsWith('/dev/shm/skiff-agent'))).toEqual([]);
  }, 90_000);
});
