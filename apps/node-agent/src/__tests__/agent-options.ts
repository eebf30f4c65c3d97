/**
 * @module The AgentProcess settings tests start from: one node, loopback, real clock, no privileges.
 */
import type { Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { afterAll } from 'vitest';
import type { AgentProcessOptions } from '../agent-process.js';
import { testVolumeDirs } from './volume-dirs.js';

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

/** agentOptions are the AgentProcess settings of the agent tests, for one node named `node`; `over` replaces any. */
export function agentOptions(client: Clientset, node: string, over: Partial<AgentProcessOptions> = {}): AgentProcessOptions {
  return {
    client,
    nodes: [],
    hostIP: '127.0.0.1',
    hostname: node,
    port: 10250,
    labels: {},
    taints: [],
    capacity: {},
    os: 'linux',
    arch: 'amd64',
    version: 'test',
    leaseDurationSeconds: 40,
    statusUpdateMs: 1000,
    allowPrivileged: false,
    volumeDirs: dirs,
    clock: realClock,
    logger: silentLogger,
    relistPeriodMs: 300,
    ...over,
  };
}
