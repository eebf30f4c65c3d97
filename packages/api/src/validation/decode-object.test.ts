import { describe, expect, it } from 'vitest';
import { ApiError, isBadRequest } from '../status.js';
import { decodeBody, decodeObject } from './decode-object.js';
import { findDuplicateJsonFields, rememberDuplicateFields } from './duplicate-fields.js';

const pod = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: null },
  spec: { containers: [{ name: 'app', image: 'nginx', ...container }] },
  ...extra,
});

function decodeError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('decodeObject', () => {
  it('decodes a valid pod and keeps server-owned metadata', () => {
    const { object, warnings } = decodeObject('pods', pod(), { fieldValidation: 'Strict' });
    expect(warnings).toEqual([]);
    expect(object.metadata).toEqual({ name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' });
    expect(object.spec).toEqual({ containers: [{ name: 'app', image: 'nginx' }] });
  });

  it('fills in a missing apiVersion and kind', () => {
    const { object } = decodeObject('deployments', { metadata: { name: 'd' }, spec: {} }, { fieldValidation: 'Strict' });
    expect(object.apiVersion).toBe('apps/v1');
    expect(object.kind).toBe('Deployment');
  });

  it('rejects a kind that does not belong to the resource', () => {
    const err = decodeError(() => decodeObject('pods', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }, { fieldValidation: 'Ignore' }));
    expect(isBadRequest(err)).toBe(true);
    expect(err.message).toBe('the kind in the data (Deployment) does not match the expected kind (Pod)');
  });

  it('rejects an apiVersion that does not belong to the resource', () => {
    const err = decodeError(() => decodeObject('deployments', { apiVersion: 'extensions/v1beta1', kind: 'Deployment' }, { fieldValidation: 'Ignore' }));
    expect(err.message).toBe('the API version in the data (extensions/v1beta1) does not match the expected API version (apps/v1)');
  });

  it.each([
    [{ spec: { containers: 'nginx' } }, '"spec.containers": expected array, received string'],
    [{ metadata: { labels: { app: 1 } } }, '"metadata.labels.app": expected string, received number'],
    [{ spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } }, '"spec.containers[0].ports[0].containerPort": expected number, received string'],
    [{ spec: { containers: [{ name: 'a', ports: [{ containerPort: 80.5 }] }] } }, '"spec.containers[0].ports[0].containerPort": cannot unmarshal number 80.5 into a field of type int32'],
    [{ spec: { containers: [{ name: 'a', resources: { limits: { cpu: 'lots' } } }] } }, '"spec.containers[0].resources.limits.cpu": quantities must match'],
    [{ spec: { containers: [{ name: 'a', livenessProbe: { tcpSocket: { port: true } } }] } }, 'expected integer or string'],
  ])('reports wrong JSON types with the field path: %j', (patch, message) => {
    const body = { ...pod(), ...patch };
    const err = decodeError(() => decodeObject('pods', body, { fieldValidation: 'Ignore' }));
    expect(isBadRequest(err)).toBe(true);
    expect(err.message).toContain('Pod in version "v1" cannot be handled as a Pod: error decoding ');
    expect(err.message).toContain(message);
  });

  it('rejects bodies that are not objects', () => {
    expect(isBadRequest(decodeError(() => decodeObject('pods', [1], { fieldValidation: 'Ignore' })))).toBe(true);
  });

  it('canonicalizes quantities and accepts bare numbers', () => {
    const { object } = decodeObject('pods', pod({}, { resources: { limits: { cpu: 1, memory: '1.5Gi' }, requests: { cpu: '0.5' } } }), {
      fieldValidation: 'Strict',
    });
    expect(object.spec).toMatchObject({ containers: [{ resources: { limits: { cpu: '1', memory: '1536Mi' }, requests: { cpu: '500m' } } }] });
  });

  describe('unknown fields', () => {
    const body = () => ({ ...pod({ spec: { foo: 1, containers: [{ name: 'a', image: 'x', bar: true, ports: [{ containerPort: 80, baz: 1 }] }] } }), metadata: { name: 'web', qux: 'x' } });

    it('drops them silently with Ignore', () => {
      const { object, warnings } = decodeObject('pods', body(), { fieldValidation: 'Ignore' });
      expect(warnings).toEqual([]);
      expect(object.spec).toEqual({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }] });
      expect(object.metadata).toEqual({ name: 'web' });
    });

    it('warns about each with Warn', () => {
      const { warnings } = decodeObject('pods', body(), { fieldValidation: 'Warn' });
      expect(warnings).toEqual([
        'unknown field "metadata.qux"',
        'unknown field "spec.foo"',
        'unknown field "spec.containers[0].bar"',
        'unknown field "spec.containers[0].ports[0].baz"',
      ]);
    });

    it('rejects them all in one error with Strict', () => {
      const err = decodeError(() => decodeObject('pods', body(), { fieldValidation: 'Strict' }));
      expect(isBadRequest(err)).toBe(true);
      expect(err.message).toBe(
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.qux", unknown field "spec.foo", ' +
          'unknown field "spec.containers[0].bar", unknown field "spec.containers[0].ports[0].baz"',
      );
    });

    it('does not treat map keys as unknown fields', () => {
      const { warnings } = decodeObject('pods', pod({ metadata: { name: 'a', labels: { constructor: 'x', anything: 'y' } } }), { fieldValidation: 'Warn' });
      expect(warnings).toEqual([]);
    });

    it('reports a top-level unknown field without a prefix', () => {
      const { warnings } = decodeObject('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, extra: 1 }, { fieldValidation: 'Warn' });
      expect(warnings).toEqual(['unknown field "extra"']);
    });
  });

  it('decodes every resource it serves', () => {
    const opts = { fieldValidation: 'Strict' } as const;
    expect(decodeObject('namespaces', { metadata: { name: 'ns' }, status: { phase: 'Active' } }, opts).object.kind).toBe('Namespace');
    expect(decodeObject('nodes', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: 4 } } }, opts).object.status).toEqual({
      capacity: { cpu: '4' },
    });
    expect(decodeObject('events', { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, count: 1 }, opts).object.kind).toBe('Event');
    expect(decodeObject('replicasets', { metadata: { name: 'r' }, spec: { selector: { matchLabels: { a: 'b' } } } }, opts).object.kind).toBe('ReplicaSet');
    const d = decodeObject('deployments', { metadata: { name: 'd' }, spec: { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } } }, opts);
    expect(d.object.spec).toMatchObject({ strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }, selector: {}, template: { spec: { containers: [] } } });
  });
});

describe('decodeBody', () => {
  it('decodes a Binding', () => {
    const { object } = decodeBody('Binding', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }, { fieldValidation: 'Strict' });
    expect(object).toEqual({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } });
  });

  it('decodes a Scale and rejects a wrong kind', () => {
    expect(decodeBody('Scale', { spec: { replicas: 3 } }, { fieldValidation: 'Strict' }).object.spec.replicas).toBe(3);
    expect(isBadRequest(decodeError(() => decodeBody('Scale', { kind: 'Pod' }, { fieldValidation: 'Strict' })))).toBe(true);
  });

  it('decodes DeleteOptions in either apiVersion and does not invent kind', () => {
    expect(decodeBody('DeleteOptions', { propagationPolicy: 'Foreground' }, { fieldValidation: 'Strict' }).object).toEqual({ propagationPolicy: 'Foreground' });
    const meta = decodeBody('DeleteOptions', { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }, { fieldValidation: 'Strict' });
    expect(meta.object.gracePeriodSeconds).toBe(0);
  });
});

describe('decodeObject: integer ranges', () => {
  it.each([
    ['an int32 above MaxInt32', pod({}, { ports: [{ containerPort: 2147483648 }] }), /error decoding "spec\.containers\[0\]\.ports\[0\]\.containerPort": cannot unmarshal number 2147483648 into a field of type int32/],
    ['an int32 below MinInt32', pod({}, { livenessProbe: { exec: {}, periodSeconds: -2147483649 } }), /"spec\.containers\[0\]\.livenessProbe\.periodSeconds": cannot unmarshal number -2147483649 into a field of type int32/],
    ['an int64 past 2^53', pod({ spec: { containers: [{ name: 'a', image: 'b' }], activeDeadlineSeconds: 2 ** 60 } }), /"spec\.activeDeadlineSeconds": cannot unmarshal number 1152921504606847000 into a field of type int64/],
  ])('refuses %s with 400 naming the field', (_name, body, message) => {
    const err = decodeError(() => decodeObject('pods', body, { fieldValidation: 'Ignore' }));
    expect(isBadRequest(err)).toBe(true);
    expect(err.message).toMatch(message);
  });

  it('keeps int32 and int64 fields at their limits', () => {
    const body = pod({ spec: { containers: [{ name: 'a', image: 'b', ports: [{ containerPort: 2147483647 }] }], securityContext: { runAsUser: 2 ** 40 } } });
    const { object } = decodeObject('pods', body, { fieldValidation: 'Strict' });
    expect((object.spec as any).containers[0].ports[0].containerPort).toBe(2147483647);
    expect((object.spec as any).securityContext.runAsUser).toBe(2 ** 40);
  });
});

describe('decodeObject: duplicate fields', () => {
  const text = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b","bogus":1,"bogus":2},"spec":{"containers":[{"name":"c","image":"x","image":"y"}]}}';
  const parsed = () => {
    const body = JSON.parse(text);
    rememberDuplicateFields(body, findDuplicateJsonFields(text));
    return body;
  };

  it('refuses known duplicate keys under Strict, reporting an unknown one as unknown only (as kube does for typed objects)', () => {
    const err = decodeError(() => decodeObject('pods', parsed(), { fieldValidation: 'Strict' }));
    expect(err.message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name", duplicate field "spec.containers[0].image", unknown field "metadata.bogus"',
    );
  });

  it('warns under Warn and keeps the last value, and says nothing under Ignore', () => {
    const warned = decodeObject('pods', parsed(), { fieldValidation: 'Warn' });
    expect(warned.warnings).toEqual(['duplicate field "metadata.name"', 'duplicate field "spec.containers[0].image"', 'unknown field "metadata.bogus"']);
    expect(warned.object.metadata.name).toBe('b');
    expect(decodeObject('pods', parsed(), { fieldValidation: 'Ignore' }).warnings).toEqual([]);
  });
});

describe('findDuplicateJsonFields', () => {
  it('finds repeated keys at any depth with their kube field paths, escapes and all', () => {
    const text = '{"a":{"b":[{"x":1},{"x":1,"x":2,"s":"q\\"x\\"","s":"{"}]},"a\\u0062":1,"ab":2,"e":[[{"k":[],"k":{}}]]}';
    expect(findDuplicateJsonFields(text).map((d) => d.message)).toEqual([
      'duplicate field "a.b[1].x"',
      'duplicate field "a.b[1].s"',
      'duplicate field "ab"',
      'duplicate field "e[0][0].k"',
    ]);
  });

  it('finds nothing in an object without repeats, however deep', () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(findDuplicateJsonFields(deep)).toEqual([]);
    expect(findDuplicateJsonFields('[1,"a",{"a":1,"b":[{"a":2}]}]')).toEqual([]);
  });

  it('names a repeat however deep it is', () => {
    const deep = `${'{"a":'.repeat(100_000)}{"k":1,"k":2}${'}'.repeat(100_000)}`;
    const [found] = findDuplicateJsonFields(deep);
    expect(found?.path).toBe(`${'a.'.repeat(100_000)}k`);
  });
});
