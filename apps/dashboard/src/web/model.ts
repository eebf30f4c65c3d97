/** @module The shapes of nodes and pods the UI reads, and what it derives from them. */
import type { KubeObject } from './api.js';
import { parseQuantity } from './quantity.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status?: { conditions?: Condition[]; allocatable?: Record<string, string>; capacity?: Record<string, string>; addresses?: { type: string; address: string }[] };
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface Pod extends KubeObject {
  spec: { nodeName?: string; containers: Container[] };
  status?: { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: { name: string; ready: boolean; restartCount: number; state?: Record<string, { reason?: string }> }[] };
}

/** nodeReady is the Ready condition's status: True, False or Unknown (no heartbeat). */
export function nodeReady(n: Node): string {
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

/** podPhase is what `kubectl get pods` shows in STATUS for the cases the UI colours. */
export function podPhase(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const waiting = p.status?.containerStatuses?.map((s) => s.state?.['waiting']?.reason).find(Boolean);
  if (waiting) return waiting;
  return p.status?.phase ?? 'Pending';
}

export function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** requested sums a resource's requests over the containers of pods still holding their node. */
export function requested(pods: readonly Pod[], resource: 'cpu' | 'memory'): number {
  let total = 0;
  for (const p of pods) {
    if (isTerminal(p)) continue;
    for (const c of p.spec.containers) total += parseQuantity(c.resources?.requests?.[resource]) ?? 0;
  }
  return total;
}

export function allocatable(n: Node, resource: 'cpu' | 'memory'): number {
  return parseQuantity(n.status?.allocatable?.[resource]) ?? 0;
}
