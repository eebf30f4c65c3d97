/**
 * @module Objects the process-level scenarios create: a Ready node with room for pods (a Node object without an
 * agent, as KWOK's fake nodes), a small busybox pod and a busybox DaemonSet; and kubectl 1.32 run for a scenario.
 */
import { join } from 'node:path';
import type { DaemonSet, Node, Pod, PodSpec, ResourceRequirements } from '@skiff/api';
import { run } from './toy-cluster.js';

/** readyNode is a schedulable Node of 4 CPUs and 8 GiB that reports Ready. */
export function readyNode(name: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

/** busyboxPod is a one-container pod in the default namespace. */
export function busyboxPod(name: string, resources?: ResourceRequirements): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...(resources ? { resources } : {}) }] },
  };
}

/** agentDaemonSet is the DaemonSet `agent` (pods labelled app=agent) of one busybox:1.36 container; `podSpec` adds to its pod spec. */
export function agentDaemonSet(podSpec: Partial<PodSpec> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { ...podSpec, containers: [{ name: 'agent', image: 'busybox:1.36' }] } },
    },
  };
}

/**
 * kubectlIn runs /usr/bin/kubectl (1.32) with the kubeconfig `kubeconfig()` names (read at each call: it is written
 * once the api-server is up) and its discovery cache and HOME in the scenario's `dir`; it resolves stdout and
 * rejects with the output on a non-zero exit.
 */
export function kubectlIn(dir: string, kubeconfig: () => string): (...args: string[]) => Promise<string> {
  return (...args) => run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig(), '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 120_000 });
}
