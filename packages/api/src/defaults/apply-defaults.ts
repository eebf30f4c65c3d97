/**
 * @module applyDefaults: per-kind defaulting run by the api-server after decoding and before validation.
 */
import type { Deployment, ReplicaSet } from '../apps.js';
import type { KubeObject } from '../meta.js';
import type { Namespace } from '../namespace.js';
import type { Node } from '../node.js';
import type { Pod } from '../pod.js';
import type { ResourceName } from '../resources.js';
import { defaultPodSpec } from './default-pod-spec.js';
import { podQOSClass } from './pod-qos-class.js';

/** DEFAULT_ROLLING_UPDATE_PERCENT is the maxSurge and maxUnavailable a Deployment gets by default. */
export const DEFAULT_ROLLING_UPDATE_PERCENT = '25%';

/**
 * applyDefaults fills unset fields of `obj` in place the way kube-apiserver's defaulters do, so stored objects
 * carry explicit values and validation sees what will be stored.
 */
export function applyDefaults(resource: ResourceName, obj: KubeObject): void {
  switch (resource) {
    case 'pods':
      defaultPod(obj as unknown as Pod);
      break;
    case 'replicasets':
      defaultReplicaSet(obj as unknown as ReplicaSet);
      break;
    case 'deployments':
      defaultDeployment(obj as unknown as Deployment);
      break;
    case 'namespaces':
      defaultNamespace(obj as unknown as Namespace);
      break;
    case 'nodes':
      defaultNode(obj as unknown as Node);
      break;
    case 'leases': {
      const spec = (obj as { spec?: Record<string, unknown> }).spec;
      if (spec) for (const f of ['renewTime', 'acquireTime']) if (typeof spec[f] === 'string') spec[f] = toMicroTime(spec[f] as string);
      break;
    }
    case 'events': {
      const ev = obj as { eventTime?: unknown };
      if (typeof ev.eventTime === 'string') ev.eventTime = toMicroTime(ev.eventTime);
      break;
    }
  }
}

/**
 * toMicroTime writes a UTC time with exactly six fractional digits, the metav1.MicroTime form kube-apiserver
 * returns (Go clients parse it with RFC3339Micro); client-node sends milliseconds. Other forms are left as given.
 */
export function toMicroTime(text: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (!m) return text;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** defaultPod defaults the spec and starts the status: phase Pending and the QoS class, both unless already set. */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec);
  pod.status ??= {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= podQOSClass(pod);
}

function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec.replicas ??= 1;
  if (rs.spec.template) defaultPodSpec(rs.spec.template.spec);
}

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= DEFAULT_ROLLING_UPDATE_PERCENT;
    ru.maxSurge ??= DEFAULT_ROLLING_UPDATE_PERCENT;
  } else {
    // A switch to Recreate by a merge patch leaves the old rollingUpdate behind; it means nothing for Recreate.
    delete strategy.rollingUpdate;
  }
  defaultPodSpec(spec.template.spec);
}

function defaultNamespace(ns: Namespace): void {
  // The "kubernetes" finalizer keeps a deleted namespace (Terminating) until the namespace controller has
  // deleted its content and finalized it.
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
  ns.status ??= {};
  ns.status.phase ??= 'Active';
}

/** defaultNode copies capacity into allocatable when the agent reports only capacity, as SetDefaults_NodeStatus does. */
function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}
