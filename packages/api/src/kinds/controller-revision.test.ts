import { describe, expect, it } from 'vitest';
import type { ControllerRevision } from './controller-revision.js';
import { controllerRevisionKind } from './controller-revision.js';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';

const create = (body: unknown): ControllerRevision => createObject<ControllerRevision>('controllerrevisions', body);
const body = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  metadata: { name: 'agent-7b9f', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true }] },
  data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
  revision: 2,
  ...extra,
});

describe('controllerRevisionKind', () => {
  it('keeps data as the raw object it was given', () => {
    expect(create(body()).data).toEqual(body().data);
  });

  it('keeps the nulls of data (a RawExtension: kube keeps its bytes), while stripping them elsewhere', () => {
    const data = { spec: { template: { $patch: 'replace', metadata: { creationTimestamp: null, labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }] } } } };
    const cr = create(body({ data, metadata: { name: 'agent-7b9f', creationTimestamp: null } }));
    expect(cr.data).toEqual(data);
    expect(cr.metadata).not.toHaveProperty('creationTimestamp', null);
  });

  it('refuses a revision without data or with a negative revision number', () => {
    expect(causesOf(() => create(body({ data: undefined, revision: -1 })))).toEqual(['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('lets the revision number change but not the data', () => {
    const old = create(body());
    expect(() => validateUpdate('controllerrevisions', { ...old, revision: 5 }, old)).not.toThrow();
    expect(causesOf(() => validateUpdate('controllerrevisions', { ...old, data: { spec: {} } }, old))).toEqual(['data: Invalid value: {"spec":{}}: field is immutable']);
  });

  it('prints NAME, CONTROLLER (kind.group/name), REVISION and AGE as kubectl get controllerrevisions does', () => {
    const printer = controllerRevisionKind.printer!;
    expect(printer.columns.map((c) => c.name)).toEqual(['Name', 'Controller', 'Revision', 'Age']);
    const cr = { ...create(body()), metadata: { ...create(body()).metadata, creationTimestamp: '2026-01-01T00:00:00Z' } };
    expect(printer.cells(cr, Date.parse('2026-01-01T00:05:00Z'))).toEqual(['agent-7b9f', 'daemonset.apps/agent', 2, '5m']);
    expect(printer.cells({ ...cr, metadata: { ...cr.metadata, ownerReferences: [] } }, Date.parse('2026-01-01T00:05:00Z'))[1]).toBe('<none>');
  });
});
