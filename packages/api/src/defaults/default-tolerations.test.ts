import { describe, expect, it } from 'vitest';
import type { Pod } from '../pod.js';
import { addDefaultTolerations } from './default-tolerations.js';

const pod = (tolerations?: Pod['spec']['tolerations']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });

describe('addDefaultTolerations', () => {
  it('adds not-ready and unreachable NoExecute tolerations', () => {
    const p = pod();
    addDefaultTolerations(p, { notReady: 300, unreachable: 200 });
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 200 },
    ]);
  });

  it('keeps a toleration the pod already has, and a tolerate-everything toleration covers both', () => {
    const own = pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]);
    addDefaultTolerations(own, { notReady: 300, unreachable: 300 });
    expect(own.spec.tolerations?.map((t) => [t.key, t.tolerationSeconds])).toEqual([
      ['node.kubernetes.io/unreachable', 5],
      ['node.kubernetes.io/not-ready', 300],
    ]);
    const all = pod([{ operator: 'Exists' }]);
    addDefaultTolerations(all, { notReady: 300, unreachable: 300 });
    expect(all.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});
