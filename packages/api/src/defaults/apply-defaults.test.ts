import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../apps.js';
import type { KubeObject } from '../meta.js';
import type { Namespace } from '../namespace.js';
import type { Node } from '../node.js';
import type { Pod } from '../pod.js';
import { applyDefaults } from './apply-defaults.js';
import { toMicroTime } from './to-micro-time.js';

const asKube = (o: object) => o as unknown as KubeObject;

function newPod(spec: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec } };
}

describe('applyDefaults: pods', () => {
  it('fills pod spec, container and status defaults', () => {
    const pod = newPod();
    applyDefaults('pods', asKube(pod));
    expect(pod.spec).toEqual({
      containers: [
        {
          name: 'app',
          image: 'nginx',
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
        },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('keeps values the user set', () => {
    const pod = newPod({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'a', image: 'nginx:1.27', imagePullPolicy: 'Never' }] });
    pod.status = { phase: 'Running', qosClass: 'Burstable' };
    applyDefaults('pods', asKube(pod));
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.terminationGracePeriodSeconds).toBe(0);
    expect(pod.spec.containers[0]?.imagePullPolicy).toBe('Never');
    expect(pod.status).toEqual({ phase: 'Running', qosClass: 'Burstable' });
  });

  it('defaults requests to limits and computes QoS from the result', () => {
    const pod = newPod({
      containers: [{ name: 'a', image: 'nginx:1.27', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1' } } }],
    });
    applyDefaults('pods', asKube(pod));
    expect(pod.spec.containers[0]?.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } });
    expect(pod.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(pod.status?.qosClass).toBe('Guaranteed');
  });

  it('defaults ports, probes, env field refs, init containers and volumes', () => {
    const pod = newPod({
      initContainers: [{ name: 'init', image: 'busybox:1.36' }],
      containers: [
        {
          name: 'a',
          image: 'nginx',
          ports: [{ containerPort: 80 }],
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          lifecycle: { preStop: { httpGet: { port: 80 } } },
        },
      ],
      volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'c' } }],
    });
    applyDefaults('pods', asKube(pod));
    const c = pod.spec.containers[0];
    expect(c?.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(c?.env?.[0]?.valueFrom?.fieldRef).toEqual({ apiVersion: 'v1', fieldPath: 'metadata.name' });
    expect(c?.livenessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c?.readinessProbe?.periodSeconds).toBe(5);
    expect(c?.lifecycle?.preStop?.httpGet).toEqual({ port: 80, path: '/', scheme: 'HTTP' });
    expect(pod.spec.initContainers?.[0]?.terminationMessagePolicy).toBe('File');
    expect(pod.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } }]);
  });

  it('defaults hostPath.type to "" (HostPathUnset) and keeps a type the user set', () => {
    const pod = newPod({ volumes: [{ name: 'h', hostPath: { path: '/tmp' } }, { name: 'd', hostPath: { path: '/var', type: 'Directory' } }] });
    applyDefaults('pods', asKube(pod));
    expect(pod.spec.volumes).toEqual([{ name: 'h', hostPath: { path: '/tmp', type: '' } }, { name: 'd', hostPath: { path: '/var', type: 'Directory' } }]);
  });

  it('leaves tolerations untouched', () => {
    const pod = newPod({ tolerations: [{ key: 'k', operator: 'Exists' }] });
    applyDefaults('pods', asKube(pod));
    expect(pod.spec.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
  });
});

describe('applyDefaults: workloads', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx' }] } };

  it('defaults a Deployment and its pod template', () => {
    const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) } };
    applyDefaults('deployments', asKube(d));
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.containers[0]?.imagePullPolicy).toBe('Always');
  });

  it('does not add rollingUpdate to a Recreate Deployment and keeps a partial one', () => {
    const recreate: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: 0, selector: {}, template: structuredClone(template), strategy: { type: 'Recreate' } } };
    applyDefaults('deployments', asKube(recreate));
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
    expect(recreate.spec.replicas).toBe(0);
    const partial: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { selector: {}, template: structuredClone(template), strategy: { rollingUpdate: { maxSurge: 1 } } } };
    applyDefaults('deployments', asKube(partial));
    expect(partial.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
  });

  it('drops a leftover rollingUpdate when the strategy is Recreate', () => {
    const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { selector: {}, template: structuredClone(template), strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } };
    applyDefaults('deployments', asKube(d));
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('defaults a ReplicaSet', () => {
    const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {}, spec: { selector: {}, template: structuredClone(template) } };
    applyDefaults('replicasets', asKube(rs));
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.template?.spec.dnsPolicy).toBe('ClusterFirst');
  });
});

describe('applyDefaults: pod templates get PodSpec defaults only, as in kube', () => {
  const limited = () => ({
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'a', image: 'nginx', resources: { limits: { cpu: '1' } } }], volumes: [{ name: 'h', hostPath: { path: '/tmp' } }] },
  });
  const selector = { matchLabels: { app: 'web' } };
  const objects: Record<string, () => { obj: object; spec: (o: any) => Pod['spec'] }> = {
    deployments: () => ({ obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector, template: limited() } }, spec: (o) => o.spec.template.spec }),
    replicasets: () => ({ obj: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { selector, template: limited() } }, spec: (o) => o.spec.template.spec }),
    statefulsets: () => ({ obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { selector, serviceName: 's', template: limited() } }, spec: (o) => o.spec.template.spec }),
    daemonsets: () => ({ obj: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { selector, template: limited() } }, spec: (o) => o.spec.template.spec }),
    jobs: () => ({ obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { ...limited(), spec: { ...limited().spec, restartPolicy: 'Never' } } } }, spec: (o) => o.spec.template.spec }),
    cronjobs: () => ({
      obj: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { ...limited(), spec: { ...limited().spec, restartPolicy: 'Never' } } } } } },
      spec: (o) => o.spec.jobTemplate.spec.template.spec,
    }),
  };

  for (const [resource, make] of Object.entries(objects)) {
    it(`${resource}: no enableServiceLinks, priority, preemptionPolicy or requests from limits in the template`, () => {
      const { obj, spec } = make();
      applyDefaults(resource, asKube(obj));
      const s = spec(obj);
      // SetDefaults_PodSpec still applies.
      expect(s).toMatchObject({ dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
      expect(s).not.toHaveProperty('enableServiceLinks');
      expect(s).not.toHaveProperty('priority');
      expect(s).not.toHaveProperty('preemptionPolicy');
      expect(s.containers[0]?.resources).toEqual({ limits: { cpu: '1' } });
      expect(s.volumes?.[0]?.hostPath).toEqual({ path: '/tmp', type: '' });
    });
  }

  it('a pod made from a defaulted template gets the pod-only defaults when it is created', () => {
    const { obj, spec } = objects['deployments']!();
    applyDefaults('deployments', asKube(obj));
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: structuredClone(spec(obj)) };
    applyDefaults('pods', asKube(pod));
    expect(pod.spec).toMatchObject({ enableServiceLinks: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect(pod.spec.containers[0]?.resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '1' } });
    expect(pod.status?.qosClass).toBe('Burstable');
  });
});

describe('applyDefaults: other kinds', () => {
  it('marks a namespace Active and holds it for the namespace controller', () => {
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } };
    applyDefaults('namespaces', asKube(ns));
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
  });

  it('writes Lease and Event MicroTimes with six fractional digits', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { renewTime: '2026-01-02T03:04:05.123Z', acquireTime: '2026-01-02T03:04:05Z' } };
    applyDefaults('leases', asKube(lease as never));
    expect(lease.spec).toEqual({ renewTime: '2026-01-02T03:04:05.123000Z', acquireTime: '2026-01-02T03:04:05.000000Z' });
    expect(toMicroTime('2026-01-02T03:04:05.123456Z')).toBe('2026-01-02T03:04:05.123456Z');
    expect(toMicroTime('2026-01-02T03:04:05.1234567Z')).toBe('2026-01-02T03:04:05.123456Z');
    expect(toMicroTime('not a time')).toBe('not a time');
  });

  it('copies node capacity into allocatable when missing', () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', pods: '110' } } };
    applyDefaults('nodes', asKube(node));
    expect(node.status?.allocatable).toEqual({ cpu: '4', pods: '110' });
    node.status = { capacity: { cpu: '4' }, allocatable: { cpu: '3' } };
    applyDefaults('nodes', asKube(node));
    expect(node.status.allocatable).toEqual({ cpu: '3' });
  });

  it('leaves leases and events alone', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'n' } };
    const copy = structuredClone(lease);
    applyDefaults('leases', asKube(lease));
    expect(lease).toEqual(copy);
  });
});
