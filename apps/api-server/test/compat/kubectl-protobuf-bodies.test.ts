/**
 * kubectl 1.32 commands that write with client-go's typed clients send `application/vnd.kubernetes.protobuf` bodies
 * holding whatever the object carries: these copy stored objects (debug --copy-to, create job --from) or build pods
 * with host volumes (debug node), so every field of a Pod template has to decode, not only what `create` writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../harness.js';
import { Kubectl } from './kubectl.js';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

async function must(method: string, path: string, body?: unknown): Promise<any> {
  const r = await api(s.url, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** run runs kubectl with -v=8 (which logs request headers) and fails with its output on a non-zero exit. */
async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await k.run(['-v=8', ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.split('\n').filter((l) => !l.includes('] Response Body') && /error|Error|415/.test(l)).join('\n')}`);
  return r;
}

/** A pod template using much of what PodSpec has: volumes, probes, env sources, resources, affinity, security. */
const TEMPLATE = {
  metadata: { labels: { app: 'rich' }, annotations: { note: 'copied' } },
  spec: {
    restartPolicy: 'Never',
    volumes: [
      { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'conf', configMap: { name: 'rich-conf', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 0o440 } },
    ],
    containers: [
      {
        name: 'main',
        image: 'busybox:1.36',
        command: ['sh', '-c', 'sleep 3600'],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'PLAIN', value: 'v' },
          { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'rich-conf', key: 'a', optional: true } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        ],
        resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '64Mi' } },
        volumeMounts: [
          { name: 'scratch', mountPath: '/scratch' },
          { name: 'conf', mountPath: '/conf', readOnly: true },
        ],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        securityContext: { runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] } },
      },
    ],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
    dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
  },
};

/** protobufRequests are the -v=8 header lines of the requests kubectl sent with a protobuf body. */
const protobufRequests = (stderr: string): string[] => stderr.split('\n').filter((l) => l.includes('Content-Type: application/vnd.kubernetes.protobuf'));

describe('kubectl 1.32 protobuf request bodies', () => {
  // Every `kubectl create <generator>` for a kind Skiff serves writes with a typed client, so with protobuf.
  it.each([
    ['namespace', ['create', 'namespace', 'pb-ns'], 'namespace/pb-ns created'],
    ['configmap', ['create', 'configmap', 'pb-cm', '--from-literal=a=1'], 'configmap/pb-cm created'],
    ['secret', ['create', 'secret', 'generic', 'pb-secret', '--from-literal=a=1'], 'secret/pb-secret created'],
    ['serviceaccount', ['create', 'serviceaccount', 'pb-sa'], 'serviceaccount/pb-sa created'],
    ['service', ['create', 'service', 'nodeport', 'pb-svc', '--tcp=80:8080'], 'service/pb-svc created'],
    ['deployment', ['create', 'deployment', 'pb-deploy', '--image=busybox:1.36', '--replicas=0', '--port=8080'], 'deployment.apps/pb-deploy created'],
    ['job', ['create', 'job', 'pb-job', '--image=busybox:1.36', '--', 'echo', 'hi'], 'job.batch/pb-job created'],
    ['cronjob', ['create', 'cronjob', 'pb-cron', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'echo', 'hi'], 'cronjob.batch/pb-cron created'],
    ['poddisruptionbudget', ['create', 'poddisruptionbudget', 'pb-pdb', '--selector=app=pb', '--min-available=0'], 'poddisruptionbudget.policy/pb-pdb created'],
    ['role', ['create', 'role', 'pb-role', '--verb=get,list', '--resource=pods'], 'role.rbac.authorization.k8s.io/pb-role created'],
    ['clusterrole', ['create', 'clusterrole', 'pb-crole', '--verb=get', '--resource=nodes'], 'clusterrole.rbac.authorization.k8s.io/pb-crole created'],
    ['rolebinding', ['create', 'rolebinding', 'pb-rb', '--role=pb-role', '--user=alice'], 'rolebinding.rbac.authorization.k8s.io/pb-rb created'],
    ['clusterrolebinding', ['create', 'clusterrolebinding', 'pb-crb', '--clusterrole=pb-crole', '--group=devs'], 'clusterrolebinding.rbac.authorization.k8s.io/pb-crb created'],
  ])('create %s', async (_kind, args, created) => {
    const r = await run(...args);
    expect(r.stdout.trim()).toBe(created);
    expect(protobufRequests(r.stderr).length).toBeGreaterThan(0);
  });

  it('keeps zeros set on pointer fields (replicas: 0, minAvailable: 0) rather than defaulting them', async () => {
    expect((await must('GET', '/apis/apps/v1/namespaces/default/deployments/pb-deploy')).spec.replicas).toBe(0);
    expect((await must('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pb-pdb')).spec.minAvailable).toBe(0);
    expect((await must('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/pb-rb')).subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }]);
  });

  it('create job --from=cronjob copies the whole stored pod template through a protobuf Job', async () => {
    await must('POST', '/apis/batch/v1/namespaces/default/cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'rich' },
      spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { backoffLimit: 0, template: TEMPLATE } } },
    });
    const cron = await must('GET', '/apis/batch/v1/namespaces/default/cronjobs/rich');
    const r = await run('create', 'job', 'rich-now', '--from=cronjob/rich');
    expect(r.stdout.trim()).toBe('job.batch/rich-now created');
    expect(protobufRequests(r.stderr).length).toBeGreaterThan(0);
    const job = await must('GET', '/apis/batch/v1/namespaces/default/jobs/rich-now');
    // kubectl copies jobTemplate.spec; the Job's own defaults (selector, pod labels) come on top.
    const { metadata: cronMeta, ...cronSpec } = cron.spec.jobTemplate.spec.template;
    const { metadata: jobMeta, ...jobSpec } = job.spec.template;
    expect(jobSpec).toEqual(cronSpec);
    expect(jobMeta.annotations).toEqual(cronMeta.annotations);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
  });

  it('debug --copy-to sends a protobuf copy of a pod with volumes, probes and env sources', async () => {
    await must('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rich-pod', labels: { app: 'rich' } }, spec: TEMPLATE.spec });
    const original = await must('GET', '/api/v1/namespaces/default/pods/rich-pod');
    const r = await run('debug', 'rich-pod', '--copy-to=rich-copy', '--image=busybox:1.36', '--container=debugger', '--', 'sleep', '1');
    expect(protobufRequests(r.stderr).length).toBeGreaterThan(0);
    const copy = await must('GET', '/api/v1/namespaces/default/pods/rich-copy');
    expect(copy.spec.volumes).toEqual(original.spec.volumes);
    expect(copy.spec.containers[0]).toEqual(original.spec.containers[0]);
    expect(copy.spec.containers[1]).toMatchObject({ name: 'debugger', image: 'busybox:1.36', command: ['sleep', '1'] });
    expect(copy.spec.affinity).toEqual(original.spec.affinity);
    expect(copy.spec.dnsConfig).toEqual(original.spec.dnsConfig);
  });

  it('debug node/ creates a protobuf Pod with a hostPath volume and host namespaces', async () => {
    await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pb-node' } });
    const r = await run('debug', 'node/pb-node', '--image=busybox:1.36', '--profile=legacy');
    expect(protobufRequests(r.stderr).length).toBeGreaterThan(0);
    const name = /Creating debugging pod (\S+)/.exec(r.stdout + r.stderr)?.[1];
    expect(name).toMatch(/^node-debugger-pb-node-/);
    const p = await must('GET', `/api/v1/namespaces/default/pods/${name}`);
    expect(p.spec.nodeName).toBe('pb-node');
    expect(p.spec.hostPID).toBe(true);
    expect(p.spec.hostNetwork).toBe(true);
    expect(p.spec.volumes).toMatchObject([{ name: 'host-root', hostPath: { path: '/' } }]);
    expect(p.spec.containers[0].volumeMounts).toContainEqual({ name: 'host-root', mountPath: '/host' });
  });
});
