import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../apps.js';
import { applyDefaults } from '../defaults/apply-defaults.js';
import type { KubeObject } from '../meta.js';
import type { ResourceName } from '../resources.js';
import { ApiError, isInvalid } from '../status.js';
import { validateBinding, validateObject, validateScale } from './validate-object.js';

const kube = (o: object) => o as unknown as KubeObject;

function causesOf(fn: () => void): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (!(err instanceof ApiError) || !isInvalid(err)) throw err;
    return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
}

const check = (resource: ResourceName, obj: object, old?: object) => causesOf(() => validateObject(resource, kube(obj), old && kube(old)));

function deployment(): Deployment {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    },
  };
  applyDefaults('deployments', kube(d));
  return d;
}

function replicaSet(): ReplicaSet {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: {
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    },
  };
  applyDefaults('replicasets', kube(rs));
  return rs;
}

function withDeployment(change: (d: Deployment) => void): Deployment {
  const d = deployment();
  change(d);
  return d;
}

describe('validateObject: deployments', () => {
  it('accepts a valid deployment', () => {
    expect(check('deployments', deployment())).toEqual([]);
  });

  it('reports the group in the 422', () => {
    const err = (() => {
      try {
        validateObject('deployments', kube(withDeployment((d) => (d.spec.replicas = -1))));
      } catch (e) {
        return e as ApiError;
      }
      return undefined;
    })();
    expect(err?.message).toBe('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(err?.details?.group).toBe('apps');
  });

  it.each<[string, (d: Deployment) => void, string[]]>([
    ['selector does not match template', (d) => (d.spec.selector = { matchLabels: { app: 'x' } }), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"fe"}: `selector` does not match template `labels`']],
    ['empty selector', (d) => (d.spec.selector = {}), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
    ['bad selector operator', (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Near' as 'In', values: ['web'] }] }), ['spec.selector.matchExpressions[0].operator: Unsupported value: "Near": supported values: "DoesNotExist", "Exists", "In", "NotIn"']],
    ['strategy type', (d) => (d.spec.strategy = { type: 'BlueGreen' as 'Recreate' }), ['spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"']],
    ['both zero', (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']],
    ['bad percent', (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'abc', maxUnavailable: 1 } }), [expect.stringMatching(/^spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: "abc": a valid percent string must be/) as unknown as string]],
    ['maxUnavailable above 100%', (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '150%' } }), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%']],
    ['rollingUpdate with Recreate', (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
    ['template restartPolicy', (d) => (d.spec.template.spec.restartPolicy = 'Never'), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
    ['template container', (d) => (d.spec.template.spec.containers = []), ['spec.template.spec.containers: Required value']],
    ['progress deadline', (d) => { d.spec.minReadySeconds = 10; d.spec.progressDeadlineSeconds = 10; }, ['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds']],
  ])('%s', (_name, change, expected) => {
    expect(check('deployments', withDeployment(change))).toEqual(expected);
  });

  it('keeps the selector immutable', () => {
    const old = deployment();
    const d = structuredClone(old);
    d.spec.selector = { matchLabels: { app: 'web', tier: 'fe' } };
    expect(check('deployments', d, old)).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable']);
    d.spec.selector = structuredClone(old.spec.selector);
    d.spec.replicas = 5;
    expect(check('deployments', d, old)).toEqual([]);
  });
});

describe('validateObject: replicasets', () => {
  it('accepts a set-based selector that matches', () => {
    expect(check('replicasets', replicaSet())).toEqual([]);
  });

  it('requires a selector that selects the template and a template', () => {
    const rs = replicaSet();
    rs.spec.selector = { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] };
    expect(check('replicasets', rs)).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
    delete rs.spec.template;
    expect(check('replicasets', rs)).toEqual(['spec.template: Required value']);
  });

  it('rejects negative replicas and a changed selector', () => {
    const old = replicaSet();
    const rs = structuredClone(old);
    rs.spec.replicas = -2;
    rs.spec.selector = { matchLabels: { app: 'web' } };
    expect(check('replicasets', rs, old)).toEqual([
      'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
      'spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: field is immutable',
    ]);
  });
});

describe('validateObject: other kinds', () => {
  it('requires namespace names to be DNS labels and cluster objects to have no namespace', () => {
    expect(check('namespaces', { metadata: { name: 'a.b' } })).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label/),
    ]);
    expect(check('namespaces', { metadata: { name: 'ok', namespace: 'x' } })).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('checks node taints', () => {
    const node = {
      metadata: { name: 'node1' },
      spec: {
        taints: [
          { key: 'a', effect: 'NoSchedule' },
          { key: 'a', effect: 'NoSchedule' },
          { key: 'b', effect: 'Sometimes' },
          { key: '', effect: '' },
        ],
      },
    };
    expect(check('nodes', node)).toEqual([
      'spec.taints[1].effect: Duplicate value: "NoSchedule"',
      'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
      'spec.taints[3].key: Required value',
      'spec.taints[3].effect: Required value',
    ]);
  });

  it('requires a positive lease duration', () => {
    const lease = { metadata: { name: 'node1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node1', leaseDurationSeconds: 0 } };
    expect(check('leases', lease)).toEqual(['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
    lease.spec.leaseDurationSeconds = 40;
    expect(check('leases', lease)).toEqual([]);
  });

  it('checks events', () => {
    const ev = { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Scheduled', type: 'Normal' };
    expect(check('events', ev)).toEqual([]);
    expect(check('events', { ...ev, involvedObject: {} })).toEqual(['involvedObject: Required value']);
    expect(check('events', { ...ev, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' }, type: 'Bad', reason: 'x'.repeat(129) })).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
      'type: Unsupported value: "Bad": supported values: "Normal", "Warning"',
      'reason: Too long: may not be more than 128 bytes',
    ]);
  });
});

describe('validateBinding and validateScale', () => {
  it('requires a target name', () => {
    expect(causesOf(() => validateBinding({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { name: '' } }))).toEqual(['target.name: Required value']);
    expect(causesOf(() => validateBinding({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }))).toEqual([]);
  });

  it('rejects negative replicas', () => {
    expect(causesOf(() => validateScale({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'd' }, spec: { replicas: -1 } }))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});

describe('decode, default, validate', () => {
  it('takes a kubectl-style manifest through the whole pipeline', async () => {
    const { decodeObject } = await import('./decode-object.js');
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: null },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 0.5, memory: '64Mi' } } }] },
        },
      },
    };
    const { object } = decodeObject('deployments', manifest, { fieldValidation: 'Strict' });
    applyDefaults('deployments', object);
    expect(() => validateObject('deployments', object)).not.toThrow();
    const d = object as unknown as Deployment;
    // Requests default to limits on Pods only (SetDefaults_Pod), never in a template.
    expect(d.spec.template.spec.containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '64Mi' } });
  });
});
