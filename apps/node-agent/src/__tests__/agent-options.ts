/**
 * @module The AgentProcess settings tests start from: one node, loopback, real clock, no privileges.
 */
import type { Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { afterAll } from 'vitest';
import type { AgentProcessOptions } from '../agent-process.js';
import type { NodeIdentity } from '../status/node-status.js';
import { testVolumeDirs } from './volume-dirs.js';

/** testIdentity is the NodeIdentity of a test node named `name`: loopback, linux/amd64, no labels, taints or capacity. */
export function testIdentity(name: string): NodeIdentity {
  return { name, hostIP: '127.0.0.1', hostname: name, port: 10250, labels: {}, taints: [], capacity: {}, os: 'linux', arch: 'amd64', agentVersion: 'test' };
}

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

/** agentOptions are the AgentProcess settings of the agent tests, for one node named `node`; `over` replaces any. */
export function agentOptions(client: Clientset, node: string, over: Partial<AgentProcessOptions> = {}): AgentProcessOptions {
  const { name: _name, agentVersion, ...shared } = testIdentity(node);
  return {
    client,
    nodes: [],
    ...shared,
    version: agentVersion,
    leaseDurationSeconds: 40,
    statusUpdateMs: 1000,
    allowPrivileged: false,
    volumeDirs: dirs,
    clock: realClock,
    logger: silentLogger,
    relistPeriodMs: 300,
    // Tests that count relists ("nothing changes over the next few") get them on Docker too.
    eventedRelistPeriodMs: 300,
    ...over,
  };
}
