import { describe, expect, it } from 'vitest';
import type { KubeObject, ResourceName } from '@skiff/api';
import { isBadRequest, RESOURCE_LIST } from '@skiff/api';
import { parseIncludeObject } from './parse-include-object.js';
import { printTable } from './print-table.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const created = new Date(NOW - 3 * 3600_000 - 5 * 60_000).toISOString();
const obj = (o: object): KubeObject => o as KubeObject;

const header = (resource: ResourceName): string[] =>
  printTable(resource, [], { nowMs: NOW }).columnDefinitions.map((c) => (c.priority ? `${c.name}(w)` : c.name));

describe('printTable columns match kubectl 1.32', () => {
  it.each<[ResourceName, string[]]>([
    ['pods', ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP(w)', 'Node(w)', 'Nominated Node(w)', 'Readiness Gates(w)']],
    ['nodes', ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP(w)', 'External-IP(w)', 'OS-Image(w)', 'Kernel-Version(w)', 'Container-Runtime(w)']],
    ['namespaces', ['Name', 'Status', 'Age']],
    ['events', ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject(w)', 'Source(w)', 'Message', 'First Seen(w)', 'Count(w)', 'Name(w)']],
    ['deployments', ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers(w)', 'Images(w)', 'Selector(w)']],
    ['replicasets', ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers(w)', 'Images(w)', 'Selector(w)']],
    ['leases', ['Name', 'Holder', 'Age']],
    ['persistentvolumeclaims', ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode(w)']],
    ['persistentvolumes', ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode(w)']],
    ['storageclasses', ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']],
  ])('%s', (resource, names) => {
    expect(header(resource)).toEqual(names);
  });

  it('gives every served resource a printer whose rows are as wide as its columns', () => {
    for (const r of RESOURCE_LIST) {
      const t = printTable(r.plural as ResourceName, [obj({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: 'x', creationTimestamp: created } })], {
        nowMs: NOW,
      });
      expect(t.rows[0]?.cells).toHaveLength(t.columnDefinitions.length);
      for (const c of t.columnDefinitions) {
        expect(c.description).not.toBe('');
        // CronJob's Suspend is a boolean column in kube's printers.go; Roles' Created At a date one.
        expect(['string', 'integer', 'boolean', 'date']).toContain(c.type);
      }
    }
  });

  it('marks the name column with format "name" and types the replica set counts as integers', () => {
    const cols = printTable('replicasets', [], { nowMs: NOW }).columnDefinitions;
    expect(cols[0]).toMatchObject({ name: 'Name', format: 'name', priority: 0 });
    expect(cols.slice(1, 4).map((c) => c.type)).toEqual(['integer', 'integer', 'integer']);
  });
});

describe('printTable rows and envelope', () => {
  const pod = obj({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: created, resourceVersion: '5' },
    spec: { containers: [{ name: 'a' }] },
    status: { phase: 'Pending' },
  });

  it('wraps rows in a meta.k8s.io/v1 Table with the list metadata', () => {
    const t = printTable('pods', [pod], { nowMs: NOW, resourceVersion: '42', continue: 'abc' });
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '42', continue: 'abc' } });
    expect(t.rows[0]?.cells).toEqual(['web', '0/1', 'Pending', '0', '3h5m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('sends rows: [] for an empty list', () => {
    expect(printTable('pods', [], { nowMs: NOW }).rows).toEqual([]);
  });

  it('carries PartialObjectMetadata by default, the object with Object, nothing with None', () => {
    const meta = printTable('pods', [pod], { nowMs: NOW }).rows[0]?.object;
    expect(meta).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    expect(printTable('pods', [pod], { nowMs: NOW, includeObject: 'Object' }).rows[0]?.object).toBe(pod);
    expect(printTable('pods', [pod], { nowMs: NOW, includeObject: 'None' }).rows[0]).not.toHaveProperty('object');
  });

  it('omits column definitions with noHeaders (watch events after the first)', () => {
    const t = printTable('pods', [pod], { nowMs: NOW, noHeaders: true });
    expect(t.columnDefinitions).toEqual([]);
    expect(t.rows).toHaveLength(1);
  });

  it('prints deployments with ready/desired and the wide template columns', () => {
    const d = obj({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: created },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
        template: { spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    expect(printTable('deployments', [d], { nowMs: NOW }).rows[0]?.cells).toEqual([
      'web',
      '2/3',
      3,
      2,
      '3h5m',
      'a,b',
      'nginx:1,busybox',
      'app=web,env in (dev,prod)',
    ]);
  });

  it('prints replica sets with integer counts', () => {
    const rs = obj({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', creationTimestamp: created },
      spec: { replicas: 2, selector: {}, template: { spec: { containers: [{ name: 'a', image: 'nginx' }] } } },
      status: { replicas: 2, readyReplicas: 1 },
    });
    expect(printTable('replicasets', [rs], { nowMs: NOW }).rows[0]?.cells).toEqual(['web-1', 2, 2, 1, '3h5m', 'a', 'nginx', '<none>']);
  });

  it('prints namespaces and leases', () => {
    const ns = obj({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', creationTimestamp: created }, status: { phase: 'Active' } });
    expect(printTable('namespaces', [ns], { nowMs: NOW }).rows[0]?.cells).toEqual(['default', 'Active', '3h5m']);
    const lease = obj({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node1', creationTimestamp: created }, spec: { holderIdentity: 'node1' } });
    expect(printTable('leases', [lease], { nowMs: NOW }).rows[0]?.cells).toEqual(['node1', 'node1', '3h5m']);
    const free = obj({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: {} });
    expect(printTable('leases', [free], { nowMs: NOW }).rows[0]?.cells).toEqual(['l', '<none>', '<unknown>']);
  });
});

describe('parseIncludeObject', () => {
  it('defaults to Metadata and accepts the three values', () => {
    expect(parseIncludeObject(undefined)).toBe('Metadata');
    expect(parseIncludeObject(null)).toBe('Metadata');
    expect(parseIncludeObject('')).toBe('Metadata');
    expect(parseIncludeObject('None')).toBe('None');
    expect(parseIncludeObject('Object')).toBe('Object');
    expect(parseIncludeObject(['Object', 'None'])).toBe('Object');
  });

  it('rejects anything else with a 400 BadRequest', () => {
    let err: unknown;
    try {
      parseIncludeObject('object');
    } catch (e) {
      err = e;
    }
    expect(isBadRequest(err)).toBe(true);
    expect((err as Error).message).toContain('"object"');
  });
});
