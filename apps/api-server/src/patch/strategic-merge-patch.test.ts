import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

/** deepFreeze makes any attempt to mutate an input throw (ES modules run in strict mode). */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

const smp = (target: unknown, patch: unknown, kind = 'Pod'): any => applyStrategicMergePatch(deepFreeze(target), deepFreeze(patch), kind);

function badRequest(target: unknown, patch: unknown, kind = 'Pod'): ApiError {
  try {
    applyStrategicMergePatch(target, patch, kind);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).reason).toBe('BadRequest');
    return e as ApiError;
  }
  throw new Error('expected a BadRequest');
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

describe('applyStrategicMergePatch: the kubectl client-side apply body (K8S-API.md section 5)', () => {
  it('deletes a label, switches strategy, drops env Y and container b, and keeps everything else', () => {
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'demo',
        namespace: 'default',
        uid: 'u1',
        resourceVersion: '41',
        generation: 3,
        labels: { app: 'demo', tier: 'fe' },
        annotations: { [LAST_APPLIED]: '{"old":true}\n', 'deployment.kubernetes.io/revision': '2' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'demo' } },
        strategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { app: 'demo' } },
          spec: {
            containers: [
              {
                name: 'a',
                image: 'nginx:1.27',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                env: [
                  { name: 'X', value: '1' },
                  { name: 'Y', value: '2' },
                ],
              },
              { name: 'b', image: 'busybox', command: ['sleep', '3600'] },
            ],
            restartPolicy: 'Always',
          },
        },
      },
      status: { replicas: 2, observedGeneration: 3 },
    };
    const body = JSON.parse(
      '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"new\\":true}\\n"},"labels":{"tier":null}},' +
        '"spec":{"strategy":{"type":"Recreate"},"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],' +
        '"containers":[{"$setElementOrder/env":[{"name":"X"}],"env":[{"$patch":"delete","name":"Y"}],"name":"a"},{"$patch":"delete","name":"b"}]}}}}',
    );
    expect(smp(live, body, 'Deployment')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'demo',
        namespace: 'default',
        uid: 'u1',
        resourceVersion: '41',
        generation: 3,
        labels: { app: 'demo' },
        annotations: { [LAST_APPLIED]: '{"new":true}\n', 'deployment.kubernetes.io/revision': '2' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'demo' } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { app: 'demo' } },
          spec: {
            containers: [{ name: 'a', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'X', value: '1' }] }],
            restartPolicy: 'Always',
          },
        },
      },
      status: { replicas: 2, observedGeneration: 3 },
    });
  });

  it('keeps container ports when a patch changes only the image (the plain-merge bug)', () => {
    const live = { spec: { template: { spec: { containers: [{ name: 'a', image: 'v1', ports: [{ containerPort: 80 }] }] } } } };
    const out = smp(live, { spec: { template: { spec: { containers: [{ name: 'a', image: 'v2' }] } } } }, 'ReplicaSet');
    expect(out.spec.template.spec.containers).toEqual([{ name: 'a', image: 'v2', ports: [{ containerPort: 80 }] }]);
  });
});

describe('applyStrategicMergePatch: maps', () => {
  it('merges maps recursively and deletes keys set to null', () => {
    expect(smp({ metadata: { labels: { a: '1', b: '2' } }, spec: { nodeName: 'n' } }, { metadata: { labels: { b: null, c: '3' } }, spec: { nodeName: null } })).toEqual({
      metadata: { labels: { a: '1', c: '3' } },
      spec: {},
    });
  });

  it('drops nulls and directives inside values that are new to the target', () => {
    expect(smp({}, { metadata: { labels: { a: null, b: '1' }, finalizers: ['x'] }, spec: { containers: [{ name: 'c', $patch: 'merge', env: [{ name: 'E', value: null }] }] } })).toEqual({
      metadata: { labels: { b: '1' }, finalizers: ['x'] },
      spec: { containers: [{ name: 'c', env: [{ name: 'E' }] }] },
    });
  });

  it('$patch: replace replaces the map instead of merging', () => {
    const out = smp({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { $patch: 'replace', c: '3' } } });
    expect(out).toEqual({ metadata: { labels: { c: '3' } } });
  });

  it('$patch: delete removes the map', () => {
    const out = smp({ spec: { strategy: { type: 'Recreate' }, replicas: 1 } }, { spec: { strategy: { $patch: 'delete' } } }, 'Deployment');
    expect(out).toEqual({ spec: { replicas: 1 } });
  });

  it('$patch: merge is the default behaviour', () => {
    expect(smp({ a: { b: 1 } }, { a: { $patch: 'merge', c: 2 } })).toEqual({ a: { b: 1, c: 2 } });
  });

  it('$retainKeys drops the keys it does not list (Deployment strategy)', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } };
    const out = smp(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'Deployment');
    expect(out).toEqual({ spec: { strategy: { type: 'Recreate' } } });
  });

  it('replaces a value of another type', () => {
    expect(smp({ a: [1], b: { c: 1 } }, { a: { x: 1 }, b: 'str' })).toEqual({ a: { x: 1 }, b: 'str' });
  });

  it('rejects unknown directives and non-object patches with 400', () => {
    expect(badRequest({}, { spec: { $patch: 'explode' } }).message).toContain('unknown patch type "explode"');
    badRequest({}, [{ op: 'add' }]);
    badRequest({}, 'str');
    badRequest({}, { spec: { $retainKeys: 'type' } });
    badRequest({}, { '$setElementOrder/containers': { name: 'a' } });
  });
});

describe('applyStrategicMergePatch: lists with a merge key', () => {
  const pod = {
    metadata: { ownerReferences: [{ uid: 'o1', name: 'rs1', kind: 'ReplicaSet' }] },
    spec: {
      containers: [
        {
          name: 'a',
          image: 'img',
          ports: [
            { containerPort: 53, protocol: 'UDP', name: 'dns' },
            { containerPort: 80, name: 'http' },
          ],
          env: [{ name: 'A', value: '1' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      initContainers: [{ name: 'init', image: 'i' }],
      volumes: [{ name: 'data', emptyDir: {} }],
      imagePullSecrets: [{ name: 'reg' }],
      tolerations: [{ key: 't1', operator: 'Exists' }],
    },
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False' },
      ],
      containerStatuses: [{ name: 'a', ready: false, restartCount: 0 }],
    },
  };

  it('merges containers, initContainers, env, volumeMounts, volumes and imagePullSecrets by key', () => {
    const out = smp(pod, {
      spec: {
        containers: [{ name: 'a', env: [{ name: 'A', value: '2' }, { name: 'B', value: 'b' }], volumeMounts: [{ mountPath: '/data', readOnly: true }] }],
        initContainers: [{ name: 'init', image: 'i2' }],
        volumes: [{ name: 'cache', emptyDir: {} }],
        imagePullSecrets: [{ name: 'other' }],
      },
    });
    const c = out.spec.containers[0];
    expect(c.image).toBe('img');
    expect(c.env).toEqual([
      { name: 'A', value: '2' },
      { name: 'B', value: 'b' },
    ]);
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
    expect(c.ports).toHaveLength(2);
    expect(out.spec.initContainers).toEqual([{ name: 'init', image: 'i2' }]);
    // As in kube, a new element with no $setElementOrder goes before server-only ones (kubectl sends the order).
    expect(out.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['cache', 'data']);
    expect(out.spec.imagePullSecrets).toEqual([{ name: 'other' }, { name: 'reg' }]);
    const ordered = smp(pod, { spec: { '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cache' }], volumes: [{ name: 'cache', emptyDir: {} }] } });
    expect(ordered.spec.volumes).toEqual([
      { name: 'data', emptyDir: {} },
      { name: 'cache', emptyDir: {} },
    ]);
  });

  it('merges ports by containerPort and protocol, TCP when unset', () => {
    const out = smp(pod, { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 8080 }, { containerPort: 53, name: 'dns-tcp' }] }] } });
    expect(out.spec.containers[0].ports).toEqual([
      { containerPort: 53, protocol: 'UDP', name: 'dns' },
      { containerPort: 80, name: 'http', protocol: 'TCP', hostPort: 8080 },
      { containerPort: 53, name: 'dns-tcp' },
    ]);
  });

  it('merges pod conditions by type and replaces containerStatuses and tolerations', () => {
    const out = smp(pod, {
      spec: { tolerations: [{ key: 't2', operator: 'Exists' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'a', ready: true, restartCount: 1 }] },
    });
    expect(out.status.conditions).toEqual([
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ]);
    expect(out.status.containerStatuses).toEqual([{ name: 'a', ready: true, restartCount: 1 }]);
    expect(out.spec.tolerations).toEqual([{ key: 't2', operator: 'Exists' }]);
  });

  it('merges node conditions and addresses by type', () => {
    const node = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True', lastHeartbeatTime: 't0' },
          { type: 'MemoryPressure', status: 'False' },
        ],
        addresses: [
          { type: 'InternalIP', address: '10.0.0.1' },
          { type: 'Hostname', address: 'n1' },
        ],
        images: [{ names: ['a'] }],
      },
    };
    const out = smp(node, { status: { conditions: [{ type: 'Ready', lastHeartbeatTime: 't1' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], images: [] } }, 'Node');
    expect(out.status.conditions).toEqual([
      { type: 'Ready', status: 'True', lastHeartbeatTime: 't1' },
      { type: 'MemoryPressure', status: 'False' },
    ]);
    expect(out.status.addresses).toEqual([
      { type: 'InternalIP', address: '10.0.0.2' },
      { type: 'Hostname', address: 'n1' },
    ]);
    expect(out.status.images).toEqual([]);
  });

  // As kube's patch markers say: ServiceAccount secrets merge by name (+patchStrategy=merge), CSR usages and
  // conditions have no patch strategy and are replaced, Pod hostIPs merge by ip though server-side apply sees atomic.
  it('merges ServiceAccount secrets by name, replaces CSR usages and conditions, merges hostIPs by ip', () => {
    const sa = smp({ secrets: [{ name: 'a' }, { name: 'b' }] }, { secrets: [{ name: 'c' }] }, 'ServiceAccount');
    expect(sa.secrets.map((r: { name: string }) => r.name).sort()).toEqual(['a', 'b', 'c']);
    const csr = smp(
      { spec: { usages: ['client auth', 'digital signature'] }, status: { conditions: [{ type: 'Approved', status: 'True' }] } },
      { spec: { usages: ['server auth'] }, status: { conditions: [{ type: 'Failed', status: 'True' }] } },
      'CertificateSigningRequest',
    );
    expect(csr.spec.usages).toEqual(['server auth']);
    expect(csr.status.conditions).toEqual([{ type: 'Failed', status: 'True' }]);
    const pod = smp({ status: { hostIPs: [{ ip: '10.0.0.1' }] } }, { status: { hostIPs: [{ ip: 'fd00::1' }] } });
    expect(pod.status.hostIPs.map((h: { ip: string }) => h.ip).sort()).toEqual(['10.0.0.1', 'fd00::1']);
  });

  it('merges ownerReferences by uid', () => {
    const out = smp(pod, { metadata: { ownerReferences: [{ uid: 'o2', name: 'rs2', kind: 'ReplicaSet' }, { uid: 'o1', controller: true }] } });
    expect(out.metadata.ownerReferences).toEqual([
      { uid: 'o2', name: 'rs2', kind: 'ReplicaSet' },
      { uid: 'o1', name: 'rs1', kind: 'ReplicaSet', controller: true },
    ]);
  });

  it('$patch: delete removes the element with that key', () => {
    const out = smp(pod, { status: { conditions: [{ type: 'PodScheduled', $patch: 'delete' }] }, metadata: { ownerReferences: [{ $patch: 'delete', uid: 'o1' }] } });
    expect(out.status.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
    expect(out.metadata.ownerReferences).toEqual([]);
  });

  it('$patch: replace as an element replaces the whole list', () => {
    const out = smp(pod, { spec: { volumes: [{ name: 'only', emptyDir: {} }, { $patch: 'replace' }] } });
    expect(out.spec.volumes).toEqual([{ name: 'only', emptyDir: {} }]);
  });

  it('keeps the patch order and slots server-only elements by their live order', () => {
    const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    expect(smp(live, { spec: { containers: [{ name: 'c', image: 'x' }, { name: 'a' }] } }).spec.containers).toEqual([{ name: 'b' }, { name: 'c', image: 'x' }, { name: 'a' }]);
    expect(smp(live, { spec: { containers: [{ name: 'c', image: 'x' }, { name: 'd' }] } }).spec.containers).toEqual([
      { name: 'a' },
      { name: 'b' },
      { name: 'c', image: 'x' },
      { name: 'd' },
    ]);
  });

  it('$setElementOrder reorders the list, with or without the list in the patch', () => {
    const live = { spec: { containers: [{ name: 'a', env: [{ name: 'A' }, { name: 'B' }, { name: 'C', value: 'old' }] }] } };
    const out = smp(live, {
      spec: { containers: [{ name: 'a', '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }, { name: 'B' }], env: [{ name: 'C', value: 'new' }] }] },
    });
    expect(out.spec.containers[0].env).toEqual([{ name: 'C', value: 'new' }, { name: 'A' }, { name: 'B' }]);
    const reordered = smp(live, { spec: { containers: [{ name: 'a', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }, { name: 'C' }] }] } });
    expect(reordered.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['B', 'A', 'C']);
    expect(Object.keys(reordered.spec.containers[0])).toEqual(['name', 'env']);
  });

  it('rejects elements without the merge key with 400', () => {
    expect(badRequest(pod, { spec: { containers: [{ image: 'x' }] } }).message).toContain('does not contain declared merge key: name');
    badRequest(pod, { spec: { containers: [{ $patch: 'delete' }] } });
    badRequest(pod, { spec: { containers: ['a'] } });
  });
});

describe('applyStrategicMergePatch: primitive lists', () => {
  const live = { metadata: { finalizers: ['a', 'b'] }, spec: { containers: [{ name: 'c', args: ['x', 'y'] }] } };

  it('merges finalizers as a set', () => {
    expect(smp(live, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
    expect(smp(live, { metadata: { '$setElementOrder/finalizers': ['a', 'b', 'c'], finalizers: ['c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
  });

  it('$deleteFromPrimitiveList removes values', () => {
    const out = smp(live, { metadata: { '$setElementOrder/finalizers': ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect(out).toEqual({ ...live, metadata: { finalizers: ['b'] } });
  });

  it('replaces lists without a strategy (args)', () => {
    expect(smp(live, { spec: { containers: [{ name: 'c', args: ['z'] }] } }).spec.containers[0].args).toEqual(['z']);
  });
});

describe('applyStrategicMergePatch: purity', () => {
  it('never mutates inputs and never aliases them in the result', () => {
    const live = { metadata: { finalizers: ['a'] }, spec: { containers: [{ name: 'a', env: [{ name: 'A' }] }], tolerations: [{ key: 'k' }] } };
    const patch = { spec: { containers: [{ name: 'b', env: [{ name: 'B' }] }], tolerations: [{ key: 'j' }] } };
    const before = structuredClone({ live, patch });
    const out = smp(live, patch);
    out.spec.containers[0].env.push({ name: 'Z' });
    out.spec.containers[1].env.push({ name: 'Z' });
    out.spec.tolerations[0].key = 'mutated';
    expect({ live, patch }).toEqual(before);
  });
});
