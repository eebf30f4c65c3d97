import { describe, expect, it } from 'vitest';
import { controllerOf, isControlledBy } from './controller-of.js';
import type { ObjectMeta } from './meta.js';
import { newControllerRef } from './new-controller-ref.js';

const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'rs-1' } };
const other = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'api', namespace: 'ns', uid: 'rs-2' } };
const obj = (meta: Partial<ObjectMeta>): { metadata: ObjectMeta } => ({ metadata: { name: 'p', ...meta } });

describe('controllerOf', () => {
  it('returns only the reference marked controller', () => {
    const owned = obj({ ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c-1' }, newControllerRef(rs)] });
    expect(controllerOf(owned)?.uid).toBe('rs-1');
    expect(controllerOf(obj({ ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c-1', controller: false }] }))).toBeUndefined();
    expect(controllerOf(obj({}))).toBeUndefined();
  });
});

describe('isControlledBy', () => {
  it('compares the controller reference uid with the owner uid', () => {
    const owned = obj({ ownerReferences: [newControllerRef(rs)] });
    expect(isControlledBy(owned, rs)).toBe(true);
    expect(isControlledBy(owned, other)).toBe(false);
    expect(isControlledBy(obj({}), rs)).toBe(false);
    // A non-controller reference to the owner is not control.
    expect(isControlledBy(obj({ ownerReferences: [{ ...newControllerRef(rs), controller: false }] }), rs)).toBe(false);
  });

  it('never matches an owner without a uid', () => {
    expect(isControlledBy(obj({ ownerReferences: [{ ...newControllerRef(rs), uid: '' }] }), { metadata: { name: 'x' } })).toBe(false);
  });
});

describe('newControllerRef', () => {
  it('sets controller and blockOwnerDeletion', () => {
    expect(newControllerRef(rs)).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true, blockOwnerDeletion: true });
  });
});
