import { describe, expect, it } from 'vitest';
import { currentRevision, ownedRevisions, type Revision } from './revision-history.js';

const rev = (name: string, revision: number, owner: { kind: string; uid: string; controller?: boolean }, namespace = 'default'): Revision => ({
  metadata: { name, namespace, ownerReferences: [{ kind: owner.kind, name: 'x', uid: owner.uid, controller: owner.controller ?? true }] },
  revision,
});

describe('a StatefulSet\'s or DaemonSet\'s revision history', () => {
  const owner = { metadata: { name: 'web', namespace: 'default', uid: 'u-web' } };
  const all = [
    rev('web-a', 1, { kind: 'StatefulSet', uid: 'u-web' }),
    rev('web-c', 3, { kind: 'StatefulSet', uid: 'u-web' }),
    rev('web-b', 2, { kind: 'StatefulSet', uid: 'u-web' }),
    rev('other', 9, { kind: 'StatefulSet', uid: 'u-other' }),
    rev('web-ds', 5, { kind: 'DaemonSet', uid: 'u-web' }),
    rev('web-not-controller', 7, { kind: 'StatefulSet', uid: 'u-web', controller: false }),
    rev('web-elsewhere', 8, { kind: 'StatefulSet', uid: 'u-web' }, 'other'),
  ];

  it('is the revisions the owner controls, newest first', () => {
    expect(ownedRevisions('StatefulSet', owner, all).map((r) => r.metadata.name)).toEqual(['web-c', 'web-b', 'web-a']);
  });

  it('marks the update revision, or else the newest', () => {
    const history = ownedRevisions('StatefulSet', owner, all);
    expect(currentRevision('web-b', history)).toBe('web-b');
    expect(currentRevision(undefined, history)).toBe('web-c');
    expect(currentRevision(undefined, [])).toBeUndefined();
  });
});
