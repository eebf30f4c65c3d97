import { formatTime, newControllerRef, type Deployment, type Node, type Pod, type ReplicaSet, type Service } from '@skiff/api';

/** T0 is the fixed "now" of unit tests, 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

/** iso renders T0 plus `offsetMs` as an RFC 3339 timestamp. */
export function iso(offsetMs = 0): string {
  return formatTime(T0 + offsetMs);
}

/** newReplicaSet builds a ReplicaSet selecting app=web. */
export function newReplicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: iso(-60_000), ...extra },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
    status: { replicas: 0 },
  };
}

/** newPod builds a pod labelled app=web, owned by `owner` if given, Running and Ready if `ready`. */
export function newPod(name: string, owner?: Parameters<typeof newControllerRef>[0], opts: { ready?: boolean; nodeName?: string; createdOffsetMs?: number; phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never } = {}): Pod {
  const ready = opts.ready ?? false;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      labels: { app: 'web' },
      creationTimestamp: iso(opts.createdOffsetMs ?? -30_000),
      ...(owner ? { ownerReferences: [newControllerRef(owner)] } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(opts.nodeName || ready ? { nodeName: opts.nodeName ?? 'node-1' } : {}) },
    status: {
      phase: opts.phase ?? (ready ? 'Running' : 'Pending'),
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(-20_000) }] : [],
    },
  };
}

/** newDeployment builds a Deployment selecting app=web with the given strategy. */
export function newDeployment(name: string, replicas: number, strategy: Deployment['spec']['strategy'] = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: iso(-120_000) },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      strategy,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

/** newNode builds a Ready node. */
export function newNode(name: string, ready: 'True' | 'False' | 'Unknown' = 'True'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: iso(-3_600_000) },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: iso(-1000), lastTransitionTime: iso(-3_600_000) }] },
  };
}

/** newService builds a ClusterIP Service selecting app=web, port 80 to the container port named http. */
export function newService(name = 'web', spec: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], clusterIP: '10.96.0.10', ...spec },
  };
}

/** servingPod is a pod of app=web with an IP and a container port named http on 8080. */
export function servingPod(name: string, ip: string, opts: { ready?: boolean; terminating?: boolean; portName?: string } = {}): Pod {
  const pod = newPod(name, undefined, { ready: opts.ready ?? true, nodeName: 'node-1' });
  pod.spec.containers[0]!.ports = [{ name: opts.portName ?? 'http', containerPort: 8080 }];
  pod.status = { ...pod.status, podIP: ip, phase: 'Running' };
  if (opts.terminating) pod.metadata.deletionTimestamp = iso();
  return pod;
}
