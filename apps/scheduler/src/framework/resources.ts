/**
 * @module Pod resource requests as kube-scheduler counts them (component-helpers resource.PodRequests).
 */
import { Quantity, type Container, type Pod } from '@skiff/api';

/** Resources are requests or capacities in scheduler units: milli-cpu, bytes, pod count, and other scalars. */
export interface Resources {
  milliCpu: number;
  memory: number;
  /** Extended and other resources (ephemeral-storage, nvidia.com/gpu, ...) in whole units. */
  scalars: Record<string, number>;
}

/** DEFAULT_MILLI_CPU_REQUEST is what scoring assumes for a container without a cpu request (100m, like kube). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is what scoring assumes for a container without a memory request (200Mi, like kube). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** emptyResources is a fresh zero value. */
export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, scalars: {} };
}

function quantityOf(text: string | undefined): Quantity | undefined {
  if (text === undefined) return undefined;
  try {
    return Quantity.parse(text);
  } catch {
    return undefined;
  }
}

function containerRequests(c: Container): Resources {
  const out = emptyResources();
  const req = c.resources?.requests ?? {};
  // A limit without a request defaults the request (the api-server usually does this already).
  const lim = c.resources?.limits ?? {};
  const names = new Set([...Object.keys(req), ...Object.keys(lim)]);
  for (const name of names) {
    const q = quantityOf(req[name] ?? lim[name]);
    if (!q) continue;
    if (name === 'cpu') out.milliCpu = q.milliValue();
    else if (name === 'memory') out.memory = q.value();
    else out.scalars[name] = q.value();
  }
  return out;
}

function addInto(acc: Resources, r: Resources): void {
  acc.milliCpu += r.milliCpu;
  acc.memory += r.memory;
  for (const [k, v] of Object.entries(r.scalars)) acc.scalars[k] = (acc.scalars[k] ?? 0) + v;
}

function maxInto(acc: Resources, r: Resources): void {
  acc.milliCpu = Math.max(acc.milliCpu, r.milliCpu);
  acc.memory = Math.max(acc.memory, r.memory);
  for (const [k, v] of Object.entries(r.scalars)) acc.scalars[k] = Math.max(acc.scalars[k] ?? 0, v);
}

/**
 * podRequests is what a pod needs on a node: the sum over its containers, or the largest single init container if
 * that is more, per resource. Init containers run one at a time before the app containers, which is why Kubernetes
 * takes the max rather than the sum.
 */
export function podRequests(pod: Pod): Resources {
  const sum = emptyResources();
  for (const c of pod.spec.containers ?? []) addInto(sum, containerRequests(c));
  for (const c of pod.spec.initContainers ?? []) maxInto(sum, containerRequests(c));
  return sum;
}

/**
 * nonZeroRequests is podRequests with kube's scoring defaults for containers that request no cpu or memory, so
 * best-effort pods still spread instead of piling onto one "empty" node (GetNonzeroRequests).
 */
export function nonZeroRequests(pod: Pod): { milliCpu: number; memory: number } {
  let milliCpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers ?? []) {
    const r = containerRequests(c);
    milliCpu += r.milliCpu || DEFAULT_MILLI_CPU_REQUEST;
    memory += r.memory || DEFAULT_MEMORY_REQUEST;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerRequests(c);
    milliCpu = Math.max(milliCpu, r.milliCpu || DEFAULT_MILLI_CPU_REQUEST);
    memory = Math.max(memory, r.memory || DEFAULT_MEMORY_REQUEST);
  }
  return { milliCpu, memory };
}

/** nodeAllocatable reads status.allocatable (falling back to capacity) into scheduler units plus the pod limit. */
export function nodeAllocatable(alloc: Record<string, string> | undefined): Resources & { pods: number } {
  const out = { ...emptyResources(), pods: 0 };
  for (const [name, text] of Object.entries(alloc ?? {})) {
    const q = quantityOf(text);
    if (!q) continue;
    if (name === 'cpu') out.milliCpu = q.milliValue();
    else if (name === 'memory') out.memory = q.value();
    else if (name === 'pods') out.pods = q.value();
    else out.scalars[name] = q.value();
  }
  return out;
}
