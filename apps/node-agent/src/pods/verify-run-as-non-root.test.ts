import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { needsImageUser, verifyRunAsNonRoot } from './verify-run-as-non-root.js';

const pod = (podSC: Pod['spec']['securityContext'], sc: NonNullable<Pod['spec']['containers'][0]['securityContext']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { securityContext: podSC, containers: [{ name: 'c', image: 'img', securityContext: sc }] },
});
const verify = (p: Pod, imageUser: string | undefined): void => verifyRunAsNonRoot(p, p.spec.containers[0]!, imageUser);

describe('verifyRunAsNonRoot (kubelet)', () => {
  it('lets anything run without runAsNonRoot', () => {
    expect(() => verify(pod({}), '')).not.toThrow();
  });
  it('refuses an image that runs as root, by empty, 0 or 0:gid USER', () => {
    for (const user of ['', '0', '0:0', '00']) {
      expect(() => verify(pod({ runAsNonRoot: true }), user)).toThrow('container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
    }
  });
  it('refuses a named USER it cannot verify, admits a numeric one', () => {
    expect(() => verify(pod({ runAsNonRoot: true }), 'nobody')).toThrow('container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u1)", container: c)');
    expect(() => verify(pod({ runAsNonRoot: true }), '1000:1000')).not.toThrow();
  });
  it('decides by runAsUser when set, the container over the pod', () => {
    expect(() => verify(pod({ runAsNonRoot: true, runAsUser: 1000 }, { runAsUser: 0 }), undefined)).toThrow(`container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)`);
    expect(() => verify(pod({ runAsNonRoot: true }, { runAsUser: 5 }), '')).not.toThrow();
    const r = pod({ runAsNonRoot: true });
    expect(needsImageUser(r, r.spec.containers[0]!)).toBe(true);
    const p = pod({ runAsNonRoot: true }, { runAsUser: 5 });
    expect(needsImageUser(p, p.spec.containers[0]!)).toBe(false);
    const q = pod({}, { runAsNonRoot: false });
    expect(needsImageUser(q, q.spec.containers[0]!)).toBe(false);
  });
});
