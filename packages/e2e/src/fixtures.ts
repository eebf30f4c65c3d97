/**
 * @module Objects the process-level scenarios create: a Ready node with room for pods (a Node object without an
 * agent, as KWOK's fake nodes) and a small busybox pod.
 */
import type { Node, Pod, ResourceRequirements } from '@skiff/api';

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
