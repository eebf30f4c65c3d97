import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '@skiff/api';
import { newReplicaSetTarget } from './rolling-plan.js';

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
  },
};

function rs(name: string, spec: number, live: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas: spec, selector: { matchLabels: { app: 'web' } } },
    status: { replicas: live },
  } as ReplicaSet;
}

describe('newReplicaSetTarget', () => {
  it('grows the new ReplicaSet into the room of replicas + maxSurge', () => {
    const next = rs('new', 1, 1);
    expect(newReplicaSetTarget(deployment, next, [next, rs('old', 3, 3)])).toBe(3);
  });

  it('counts pods an old ReplicaSet still has above its spec, so live pods stay within replicas + maxSurge', () => {
    // The old ReplicaSet was just scaled 5 -> 3 but its two surplus pods are not deleted yet: 1 + 5 live already.
    const next = rs('new', 1, 1);
    expect(newReplicaSetTarget(deployment, next, [next, rs('old', 3, 5)])).toBe(1);
    expect(newReplicaSetTarget(deployment, next, [next, rs('old', 3, 4)])).toBe(2);
  });
});
