import { describe, expect, it } from 'vitest';
import { createManagedFields, decodeManagers, encodeManagers, updateManagers, type Write } from './managed-fields.js';
import { toFieldsV1, fieldSetOf } from './field-set.js';
import { fieldTypeOf } from './field-type.js';

const POD = fieldTypeOf('Pod');
const spec = { containers: [{ name: 'c', image: 'busybox' }] };
const status = (phase: string) => ({ phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] });
const w = (manager: string, subresource: string, now: number): Write => ({ manager, subresource, apiVersion: 'v1', now });

/** stored is managedFields as a stored object holds them after JSON (a parsed copy: trees are new objects). */
function stored(): Record<string, unknown>[] {
  const creator = { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(fieldSetOf({ spec }, POD)) };
  const agent = { manager: 'agent', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:01Z', fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(fieldSetOf({ status: status('Pending') }, POD)), subresource: 'status' };
  return JSON.parse(JSON.stringify([creator, agent])) as Record<string, unknown>[];
}

describe('managedFields on repeated writes', () => {
  it('keeps the stored fieldsV1 trees of managers whose fields did not change, instead of encoding them again', () => {
    const entries = stored();
    const live = { metadata: {}, spec, status: status('Pending') };
    const next = { metadata: {}, spec, status: status('Running') };
    // The agent writes new values into the same fields: nobody's set changes.
    const managers = updateManagers(decodeManagers(entries), live, next, POD, true, w('agent', 'status', Date.parse('2026-01-01T00:00:05Z')));
    const encoded = encodeManagers(managers);
    expect(encoded).toEqual(entries);
    expect(encoded[0]!['fieldsV1']).toBe(entries[0]!['fieldsV1']);
    expect(encoded[1]!['fieldsV1']).toBe(entries[1]!['fieldsV1']);
  });

  it('encodes a manager whose set changed, and re-encodes a stored tree that is not in canonical order', () => {
    const entries = stored();
    const unsorted = { 'f:spec': { 'f:containers': (entries[0]!['fieldsV1'] as { 'f:spec': { 'f:containers': unknown } })['f:spec']['f:containers'] } };
    entries[0] = { ...entries[0], fieldsV1: { ...unsorted, 'f:metadata': { 'f:labels': { 'f:app': {} } } } };
    const live = { metadata: {}, spec, status: status('Pending') };
    const next = { metadata: {}, spec, status: { ...status('Pending'), podIP: '10.0.0.1' } };
    const encoded = encodeManagers(updateManagers(decodeManagers(entries), live, next, POD, true, w('agent', 'status', Date.parse('2026-01-01T00:00:05Z'))));
    expect(encoded[0]!['fieldsV1']).not.toBe(entries[0]!['fieldsV1']);
    expect(Object.keys(encoded[0]!['fieldsV1'] as object)).toEqual(['f:metadata', 'f:spec']);
    expect(encoded[1]!['fieldsV1']).toEqual({ 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {}, 'f:podIP': {} } });
    expect(encoded[1]!['time']).toBe('2026-01-01T00:00:05Z');
  });

  it('reads an encoded tree back with its paths in tree order, as from a stored copy (conflict messages follow it)', () => {
    // Created with spec before metadata: the new manager's set is in that order until it is encoded.
    const obj = { spec: { replicas: 1, paused: false }, metadata: { labels: { b: '1', a: '2' } } };
    const [created] = updateManagers([], undefined, obj, fieldTypeOf('Deployment'), true, w('m', '', 0));
    const encoded = encodeManagers([created!]);
    const [again] = decodeManagers(encoded);
    const [fromText] = decodeManagers(JSON.parse(JSON.stringify(encoded)));
    expect([...again!.set]).toEqual([...fromText!.set]);
    expect([...again!.set]).toEqual([...again!.set].sort());
  });

  // A node agent reports the same fields of every pod with the same containers: the tree is built once for them all.
  it('encodes the same owned fields of different objects into one shared fieldsV1 tree, and other fields apart', () => {
    const report = (ip: string, phase: string) => ({ ...status(phase), podIP: ip });
    const encodeFor = (next: unknown) => {
      const live = { metadata: {}, spec, status: {} };
      const managers = updateManagers(decodeManagers(stored().slice(0, 1)), live, { metadata: {}, spec, status: next }, POD, true, w('agent', 'status', Date.parse('2026-01-01T00:00:05Z')));
      return encodeManagers(managers).find((e) => e['manager'] === 'agent')!['fieldsV1'] as Record<string, unknown>;
    };
    const a = encodeFor(report('10.1.0.1', 'Pending'));
    const b = encodeFor(report('10.1.0.2', 'Running'));
    expect(b).toBe(a);
    const fields = decodeManagers([{ manager: 'agent', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: b }])[0]!.set;
    expect(a).toEqual(toFieldsV1(fields));
    expect(Object.keys(a['f:status'] as object).sort()).toEqual(['f:conditions', 'f:phase', 'f:podIP']);
    // Other fields (a list keyed by a value each object has its own of) are trees apart.
    const c = encodeFor({ ...report('10.1.0.3', 'Running'), podIPs: [{ ip: '10.1.0.3' }] });
    const d = encodeFor({ ...report('10.1.0.4', 'Running'), podIPs: [{ ip: '10.1.0.4' }] });
    expect(c).not.toBe(a);
    expect(d).not.toBe(c);
    expect(JSON.stringify(d)).toContain('k:{\\"ip\\":\\"10.1.0.4\\"}');
  });
});

describe('createManagedFields (a create, built straight from the object)', () => {
  const now = Date.parse('2026-03-04T05:06:07.891Z');
  const meta = { name: 'x', namespace: 'ns', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1, resourceVersion: '5', labels: { app: 'a', 'tier.example.com/z': 'b' }, annotations: { note: 'n' }, finalizers: ['f/a', 'f/b'] };
  const cases: [string, string, boolean, Record<string, unknown>][] = [
    ['the bench pod', 'Pod', true, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'bench', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } }, terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', securityContext: {} }, status: {} }],
    ['a pod with defaulted list keys, sets, env and volumes', 'Pod', true, {
      apiVersion: 'v1', kind: 'Pod', metadata: meta,
      spec: {
        initContainers: [{ name: 'i', image: 'busybox' }],
        containers: [
          { name: 'b', image: 'busybox', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }], env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], volumeMounts: [{ name: 'v', mountPath: '/v' }] },
          { name: 'a', image: 'busybox', args: [], securityContext: { capabilities: { drop: ['ALL'] } } },
        ],
        volumes: [{ name: 'v', emptyDir: {} }],
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      },
      status: { phase: 'Pending' },
    }],
    ['a deployment (structs always present, a pointer struct, an atomic selector)', 'Deployment', true, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }],
    ['a service (a two-key map list)', 'Service', true, { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { type: 'ClusterIP', ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 'dns' }], selector: { app: 'a' } } }],
    ['a config map (no status; keys that sort before and after the metadata)', 'ConfigMap', false, { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { 'a.conf': 'x', Zed: 'y', '0': 'z' }, binaryData: {}, immutable: false }],
    ['an object of a kind without a schema', 'NoSuchKind', false, { apiVersion: 'x/v1', kind: 'NoSuchKind', metadata: meta, spec: { list: [{ a: 1 }, 2], nested: { deep: { x: null } }, empty: {} }, status: { s: 1 } }],
    ['only server-set metadata', 'ConfigMap', false, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', namespace: 'ns' } }],
    ['a list with two items of one key (merged by the set-based path)', 'Pod', true, { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c', image: 'a' }, { name: 'c', command: ['x'] }] } }],
  ];
  for (const [what, kind, hasStatus, obj] of cases) {
    it(`encodes what updateManagers would, byte for byte: ${what}`, () => {
      const write = w('creator', '', now);
      const fast = createManagedFields(structuredClone(obj), fieldTypeOf(kind), hasStatus, write);
      const slow = encodeManagers(updateManagers([], undefined, structuredClone(obj), fieldTypeOf(kind), hasStatus, write));
      expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
      if (!fast.length) return;
      // The next write of the stored object reads the tree as a stored copy would be read, and keeps it as the
      // encoding of its unchanged set.
      const [again] = decodeManagers(fast);
      const [fromText] = decodeManagers(JSON.parse(JSON.stringify(fast)));
      expect([...again!.set]).toEqual([...fromText!.set]);
      expect(encodeManagers([again!])[0]!['fieldsV1']).toBe(fast[0]!['fieldsV1']);
    });
  }
});
