import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTime, type Node, type NodeCondition, type NodeStatus } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { FakeClock, realClock, silentLogger } from '@skiff/controller-kit';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { AgentProcess } from '../agent-process.js';
import { agentOptions, testIdentity } from '../__tests__/agent-options.js';
import { NodeStatusReporter, type NodeClient } from './node-status.js';
import { SimulatedRuntime } from '../runtime/simulated/simulated-runtime.js';
import { waitFor } from '@skiff/testing';

let server: RunningServer;
let client: Clientset;

beforeEach(async () => {
  server = await startServer();
  client = createClient({ server: server.url });
});
afterEach(async () => {
  await client.close();
  await server.close();
});


/** nodeClient is the real client, counting status posts. */
function nodeClient(posts: NodeStatus[]): NodeClient {
  return {
    create: (node) => client.nodes.create(node),
    get: (name) => client.nodes.get(name),
    patch: (name, body) => client.nodes.patch(name, body),
    patchStatus: (name, status) => (posts.push(status), client.nodes.patch<Node>(name, { status }, { subresource: 'status' })),
  };
}

/** setReadyUnknown does what the node lifecycle controller does when a node's Lease lapses. */
async function setReadyUnknown(name: string, at: string): Promise<void> {
  const node = await client.nodes.get(name);
  const conditions = (node.status?.conditions ?? []).map((c): NodeCondition =>
    c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: at } : c,
  );
  await client.nodes.patch(name, { status: { conditions } }, { subresource: 'status' });
}

const ready = async (name: string): Promise<NodeCondition | undefined> => (await client.nodes.get(name)).status?.conditions?.find((c) => c.type === 'Ready');

describe('NodeStatusReporter', () => {
  it('posts only when the server copy differs from the status it would post, and repairs Ready=Unknown', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const posts: NodeStatus[] = [];
    const r = new NodeStatusReporter({ identity: testIdentity('ns-1'), client: nodeClient(posts), clock, logger: silentLogger });
    const health = { ok: true, message: '' };
    await r.register(undefined, health);
    expect(posts).toHaveLength(1);
    clock.advance(10_000);
    await r.update(undefined, health);
    clock.advance(10_000);
    await r.update(undefined, health);
    // Only the heartbeat time would change: nothing to post.
    expect(posts).toHaveLength(1);

    const unknownAt = formatTime(clock.now());
    await setReadyUnknown('ns-1', unknownAt);
    clock.advance(10_000);
    await r.update(undefined, health);
    expect(posts).toHaveLength(2);
    const repaired = await ready('ns-1');
    expect(repaired).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    // Unknown -> True is a transition: its time is now, not the registration's (a metav1.Time, to the second).
    expect(repaired?.lastTransitionTime).toBe(formatTime(clock.now()));
  });

  it('registers with its taints, and on adopting an existing Node leaves the taints others set', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const identity = { ...testIdentity('ns-taints'), taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }] };
    await new NodeStatusReporter({ identity, client: nodeClient([]), clock, logger: silentLogger }).register(undefined, { ok: true, message: '' });
    expect((await client.nodes.get('ns-taints')).spec?.taints).toEqual([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    // The node lifecycle controller and an admin taint it while the agent is down; a restarted agent adopts it.
    const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: '2026-01-01T00:00:00Z' }, { key: 'maintenance', value: 'true', effect: 'NoSchedule' as const }];
    await client.nodes.patch('ns-taints', { spec: { taints } });
    await new NodeStatusReporter({ identity, client: nodeClient([]), clock, logger: silentLogger }).register(undefined, { ok: true, message: '' });
    expect((await client.nodes.get('ns-taints')).spec?.taints).toEqual(taints);
  });

  it('still posts every 5 minutes when nothing changed (nodeStatusReportFrequency)', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const posts: NodeStatus[] = [];
    const r = new NodeStatusReporter({ identity: testIdentity('ns-2'), client: nodeClient(posts), clock, logger: silentLogger });
    await r.register(undefined, { ok: true, message: '' });
    clock.advance(5 * 60_000);
    await r.update(undefined, { ok: true, message: '' });
    expect(posts).toHaveLength(2);
  });
});

describe('AgentProcess node status', () => {
  it('sets Ready back to True after the node lifecycle controller marked it Unknown', async () => {
    const name = `ns-agent-${Math.random().toString(36).slice(2, 8)}`;
    const agent = new AgentProcess(
      agentOptions(client, name, {
        nodes: [{ name, runtime: new SimulatedRuntime({ clock: realClock, startDelayMs: 0, nodeIndex: 0 }) }],
        // A Lease longer than the controller's grace period: the node is marked Unknown between renewals.
        leaseDurationSeconds: 40,
        statusUpdateMs: 200,
      }),
    );
    await agent.start();
    try {
      expect((await ready(name))?.status).toBe('True');
      await setReadyUnknown(name, new Date().toISOString());
      expect((await ready(name))?.status).toBe('Unknown');
      const back = await waitFor(async () => {
        const r = await ready(name);
        return r?.status === 'True' ? r : undefined;
      }, { what: 'the agent to set Ready back to True', timeoutMs: 15_000, intervalMs: 100 });
      expect(back).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    } finally {
      await agent.stop(false);
    }
  });
});
