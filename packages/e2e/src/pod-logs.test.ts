/**
 * pods/log end to end, over the built api-server and node agent processes: the api-server finds the pod's node,
 * dials the agent at the address the agent advertised in its Node status, and passes the agent's answer (logs, or
 * an error as a Status) on to the client. With a simulated runtime, and with real Docker containers for what only
 * real containers show (restarts, timestamps, time windows).
 */
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
const DOCKER_WAIT = { timeoutMs: 30_000, intervalMs: 200 } as const;

function podOn(node: string, name: string, spec: Partial<Pod['spec']>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { nodeName: node, containers: [], ...spec } };
}

describe.skipIf(!built)('pods/log through the api-server to a node agent listening on 127.0.0.1', () => {
  const cluster = new Cluster();
  const node = `e2e-log-sim-${SUFFIX}`;

  beforeAll(async () => {
    await cluster.startApiServer();
    cluster.start(node, 'node-agent', ['--runtime', 'simulated', '--simulated-start-delay', '0s', '--node-name', node, '--listen', '127.0.0.1:0', '--log-level', 'warn']);
  }, 60_000);
  afterAll(() => cluster.stop(), 60_000);

  it('reaches the agent at the loopback address it advertises', async () => {
    const registered = await waitFor(async () => {
      const n = await cluster.client.nodes.get(node);
      return n.status?.daemonEndpoints?.kubeletEndpoint?.Port ? n : undefined;
    }, { what: `node ${node} registered`, timeoutMs: 30_000 });
    expect(registered.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe('127.0.0.1');
    await cluster.client.pods.create(podOn(node, 'lo', { containers: [{ name: 'c', image: 'busybox:1.36' }] }));
    await waitFor(async () => (await cluster.client.pods.get('lo', { namespace: NS })).status?.containerStatuses?.[0]?.state?.running, { what: 'pod lo running', timeoutMs: 30_000 });
    const res = await fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods/lo/log`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toContain('simulated container c of default/lo');
  });
});

describe.skipIf(!built || !dockerUp())('pods/log through the api-server from real Docker containers', () => {
  const cluster = new Cluster();
  const node = `e2e-log-dk-${SUFFIX}`;
  const getPod = (name: string): Promise<Pod> => cluster.client.pods.get(name, { namespace: NS });
  const log = (name: string, opts: { container?: string; previous?: boolean; timestamps?: boolean; sinceSeconds?: number; limitBytes?: number } = {}): Promise<string> =>
    cluster.client.pods.log(name, { namespace: NS, container: 'c', ...opts });
  let kubeconfig = '';
  const kubectl = (args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 30_000 });

  async function running(name: string): Promise<Pod> {
    return waitFor(async () => {
      const p = await getPod(name);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
    }, DOCKER_WAIT);
  }

  /** logWith waits until the container has written `text` (its log is read as it grows). */
  async function logWith(name: string, text: string): Promise<string> {
    return waitFor(async () => {
      const l = await log(name);
      return l.includes(text) ? l : undefined;
    }, DOCKER_WAIT);
  }

  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(cluster.dataDir, cluster.server);
    cluster.start(node, 'node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--log-level', 'warn']);
    await waitFor(async () => (await cluster.client.nodes.get(node)).status?.daemonEndpoints?.kubeletEndpoint?.Port, { what: `node ${node} registered`, timeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    await cluster.stop();
    await removeNode(node);
  }, 60_000);

  it('shows the previous instance with previous=true after a restart', async () => {
    await cluster.client.pods.create(
      podOn(node, 'log-prev', {
        restartPolicy: 'Always',
        volumes: [{ name: 'd', emptyDir: {} }],
        // The first instance prints run-1 and exits 3; the second prints run-2 and stays up.
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'n=$(( $(cat /d/n 2>/dev/null || echo 0) + 1 )); echo $n > /d/n; echo run-$n; [ $n -ge 2 ] || { sleep 1; exit 3; }; trap "exit 0" TERM; sleep 3600 & wait'],
            volumeMounts: [{ name: 'd', mountPath: '/d' }],
          },
        ],
      }),
    );
    const p = await waitFor(async () => {
      const p = await getPod('log-prev');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state?.running ? p : undefined;
    }, DOCKER_WAIT);
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(3);
    expect(await logWith('log-prev', 'run-')).toBe('run-2\n');
    expect(await log('log-prev', { previous: true })).toBe('run-1\n');
    // The real kubectl: --previous is the crashed instance, kept by the agent until the next restart.
    expect(await kubectl(['logs', 'log-prev', '--previous'])).toBe('run-1\n');
    expect(await kubectl(['logs', 'log-prev', '-p', '--timestamps'])).toMatch(/^\d{4}-\d{2}-\d{2}T\S+ run-1\n$/);
    expect(await kubectl(['logs', 'log-prev'])).toBe('run-2\n');
    const missing = await kubectl(['logs', 'log-prev', '-c', 'nope']).catch((e: Error) => e.message);
    expect(missing).toContain('container nope is not valid for pod log-prev');
  }, 60_000);

  it('prefixes each line with an RFC3339 timestamp with timestamps=true', async () => {
    await cluster.client.pods.create(podOn(node, 'log-ts', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo one; echo two; trap "exit 0" TERM; sleep 3600 & wait'] }] }));
    await running('log-ts');
    await logWith('log-ts', 'two');
    const lines = (await log('log-ts', { timestamps: true })).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const [i, word] of ['one', 'two'].entries()) {
      const m = /^(\S+) (.*)$/.exec(lines[i]!);
      expect(m?.[2]).toBe(word);
      expect(m?.[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      expect(Number.isNaN(Date.parse(m![1]!))).toBe(false);
    }
  }, 60_000);

  it('honours sinceSeconds and limitBytes', async () => {
    await cluster.client.pods.create(podOn(node, 'log-window', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo early-line; sleep 5; echo late-line; trap "exit 0" TERM; sleep 3600 & wait'] }] }));
    await running('log-window');
    expect(await logWith('log-window', 'late-line')).toBe('early-line\nlate-line\n');
    expect(await log('log-window', { sinceSeconds: 2 })).toBe('late-line\n');
    expect(await log('log-window', { limitBytes: 5 })).toBe('early');
    expect(await log('log-window', { limitBytes: 11 })).toBe('early-line\n');
  }, 60_000);

  it('honours sinceTime (RFC 3339, as kubectl --since-time sends it) and tailLines', async () => {
    await cluster.client.pods.create(podOn(node, 'log-since', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo early-line; sleep 3; echo late-line; trap "exit 0" TERM; sleep 3600 & wait'] }] }));
    await running('log-since');
    await logWith('log-since', 'late-line');
    const stamped = (await log('log-since', { timestamps: true })).split('\n').find((l) => l.endsWith(' late-line'))!;
    // Whole seconds, as metav1.Time is sent: the late line is at most a second after, the early one 3 s before.
    const lateSecond = new Date(Math.floor(Date.parse(stamped.split(' ')[0]!) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    expect(await kubectl(['logs', 'log-since', `--since-time=${lateSecond}`])).toBe('late-line\n');
    expect(await kubectl(['logs', 'log-since', '--since-time=2000-01-01T00:00:00Z'])).toBe('early-line\nlate-line\n');
    expect(await kubectl(['logs', 'log-since', '--tail=1'])).toBe('late-line\n');
    const bad = await fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods/log-since/log?sinceTime=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringContaining('sinceTime') });
  }, 60_000);

  describe("the agent's errors reach clients as Status bodies", () => {
    const raw = (query: string) => fetch(`${cluster.server}/api/v1/namespaces/${NS}/pods/log-err/log?container=c&${query}`);

    beforeAll(async () => {
      await cluster.client.pods.create(podOn(node, 'log-err', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello; trap "exit 0" TERM; sleep 3600 & wait'] }] }));
      await running('log-err');
    }, 60_000);

    it('the agent has no previous instance (previous=True): 400 BadRequest Status with its message', async () => {
      const r = await raw('previous=True');
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await r.json()).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'BadRequest',
        code: 400,
        message: 'previous terminated container "c" in pod "log-err" not found',
      });
    });

    it('a negative tailLines is 422 Invalid before the agent is asked; a valid one reaches it', async () => {
      const bad = await raw('tailLines=-1');
      expect(bad.status).toBe(422);
      expect(await bad.json()).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'tailLines' }] } });
      const good = await waitFor(async () => {
        const r = await raw('tailLines=1&timestamps=True');
        const text = await r.text();
        return r.status === 200 && text.includes('hello') ? text : undefined;
      }, DOCKER_WAIT);
      expect(good).toMatch(/^\S+ hello\n$/);
    });
  });
});
