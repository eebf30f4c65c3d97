import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { TokenManager, type TokenRequestSpec } from './token-manager.js';

const pod = (uid: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns', uid }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });

function setup() {
  const clock = { ms: 1_000_000, now: () => clock.ms };
  const asked: { ns: string; sa: string; spec: TokenRequestSpec }[] = [];
  let fail = false;
  const tm = new TokenManager({
    clock,
    request: async (ns, sa, spec) => {
      if (fail) throw new Error('api-server down');
      asked.push({ ns, sa, spec });
      return { token: `t${asked.length}`, expirationTimestamp: new Date(clock.ms + spec.expirationSeconds * 1000).toISOString() };
    },
  });
  return { clock, asked, tm, setFail: (v: boolean) => (fail = v) };
}

describe('TokenManager', () => {
  it('asks TokenRequest for a token bound to the pod and refreshes it at 80% of its life, as kubelet', async () => {
    const { clock, asked, tm } = setup();
    expect(await tm.get(pod('u1'), undefined, 1000)).toBe('t1');
    expect(asked[0]).toEqual({ ns: 'ns', sa: 'robot', spec: { audiences: [], expirationSeconds: 1000, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' } } });
    clock.ms += 799_000;
    expect(await tm.get(pod('u1'), undefined, 1000)).toBe('t1');
    clock.ms += 1_000;
    expect(await tm.get(pod('u1'), undefined, 1000)).toBe('t2');
    // Another audience is another token; a pod recreated under the same name gets its own.
    expect(await tm.get(pod('u1'), 'vault', 1000)).toBe('t3');
    expect(asked[2]!.spec.audiences).toEqual(['vault']);
    expect(await tm.get(pod('u2'), undefined, 1000)).toBe('t4');
    tm.forget('u1');
    expect(tm.size).toBe(1);
  });

  it('serves the old token while a refresh fails and it is valid, then fails', async () => {
    const { clock, tm, setFail } = setup();
    await tm.get(pod('u1'), undefined, 1000);
    setFail(true);
    clock.ms += 900_000;
    expect(await tm.get(pod('u1'), undefined, 1000)).toBe('t1');
    clock.ms += 100_000;
    await expect(tm.get(pod('u1'), undefined, 1000)).rejects.toThrow('failed to fetch token: api-server down');
  });
});
