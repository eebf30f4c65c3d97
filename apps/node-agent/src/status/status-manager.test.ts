import { describe, expect, it } from 'vitest';
import { errors, type Pod, type PodStatus } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import { StatusManager, type StatusWriter } from './status-manager.js';

const pod = (status?: PodStatus): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  ...(status ? { status } : {}),
});

/** heldWriter records every write and keeps it pending until the test releases it (or makes it fail). */
function heldWriter() {
  const writes: Array<{ phase: string | undefined; release(): void; fail(err: unknown): void }> = [];
  const writer: StatusWriter = {
    patchStatus: (_ns, _name, _uid, status) =>
      new Promise((resolve, reject) => {
        writes.push({ phase: status.phase, release: () => resolve(), fail: reject });
      }),
  };
  return { writes, writer };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('StatusManager', () => {
  it('drops a status the pod already shows, and one equal to the last written', async () => {
    const written: PodStatus[] = [];
    const sm = new StatusManager({ patchStatus: async (_ns, _n, _u, s) => void written.push(s) }, silentLogger);
    sm.set(pod({ phase: 'Pending' }), { phase: 'Pending' });
    await sm.idle();
    expect(written).toEqual([]);
    sm.set(pod({ phase: 'Pending' }), { phase: 'Running' });
    await sm.idle();
    sm.set(pod({ phase: 'Pending' }), { phase: 'Running' }); // the informer has not caught up yet
    await sm.idle();
    expect(written).toEqual([{ phase: 'Running' }]);
    expect(sm.writes).toBe(1);
  });

  it('keeps one write in flight per pod and writes only the newest of the statuses set meanwhile', async () => {
    const { writes, writer } = heldWriter();
    const sm = new StatusManager(writer, silentLogger);
    sm.set(pod(), { phase: 'Pending' });
    sm.set(pod(), { phase: 'Running' });
    sm.set(pod(), { phase: 'Succeeded' });
    await settle();
    expect(writes.map((w) => w.phase)).toEqual(['Pending']);
    let idle = false;
    void sm.idle().then(() => (idle = true));
    writes[0]!.release();
    await settle();
    expect(writes.map((w) => w.phase)).toEqual(['Pending', 'Succeeded']);
    expect(idle).toBe(false);
    writes[1]!.release();
    await sm.idle();
    expect(idle).toBe(true);
    expect(sm.writes).toBe(2);
  });

  it('writes the same status again after a failed write, and gives up on a pod that is gone', async () => {
    const { writes, writer } = heldWriter();
    const sm = new StatusManager(writer, silentLogger);
    sm.set(pod(), { phase: 'Running' });
    await settle();
    writes[0]!.fail(new Error('connection reset'));
    await sm.idle();
    sm.set(pod(), { phase: 'Running' }); // the next sync retries it
    await settle();
    expect(writes.map((w) => w.phase)).toEqual(['Running', 'Running']);
    writes[1]!.fail(errors.notFound('pods', '', 'p'));
    await sm.idle();
    expect(sm.writes).toBe(0);
  });

  it('does not write the status in flight a second time when a sync computes it again meanwhile', async () => {
    const { writes, writer } = heldWriter();
    const sm = new StatusManager(writer, silentLogger);
    sm.set(pod(), { phase: 'Pending' });
    await settle();
    sm.set(pod(), { phase: 'Pending' }); // the informer still shows no status
    sm.set(pod(), { phase: 'Running' });
    sm.set(pod(), { phase: 'Pending' }); // back to what is being written: the queued Running is outdated
    writes[0]!.release();
    await settle();
    for (const w of writes.slice(1)) w.release();
    await sm.idle();
    expect(writes.map((w) => w.phase)).toEqual(['Pending']);
  });

  it('compares statuses as the api-server stores them: a null field equals an absent one', async () => {
    const written: PodStatus[] = [];
    const sm = new StatusManager({ patchStatus: async (_ns, _n, _u, s) => void written.push(s) }, silentLogger);
    const stored: PodStatus = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-30T08:00:00Z' }] };
    sm.set(pod(stored), { conditions: [{ lastProbeTime: null, lastTransitionTime: '2026-11-30T08:00:00Z', status: 'True', type: 'PodScheduled' }], phase: 'Running' });
    await sm.idle();
    expect(written).toEqual([]);
    // What it wrote, read back without the null, is no change either.
    sm.set(pod(stored), { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null }] });
    await sm.idle();
    sm.set(pod({ phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] }), { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null }] });
    await sm.idle();
    expect(written).toHaveLength(1);
  });

  it('write resolves once the status reached the writer', async () => {
    const { writes, writer } = heldWriter();
    const sm = new StatusManager(writer, silentLogger);
    let done = false;
    const w = sm.write(pod(), { phase: 'Failed' }).then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    writes[0]!.release();
    await w;
    expect(sm.writes).toBe(1);
  });

  it('forget drops the last written status, so the same status is written for a new incarnation', async () => {
    const written: PodStatus[] = [];
    const sm = new StatusManager({ patchStatus: async (_ns, _n, _u, s) => void written.push(s) }, silentLogger);
    sm.set(pod(), { phase: 'Running' });
    await sm.idle();
    sm.forget('u1');
    sm.set(pod(), { phase: 'Running' });
    await sm.idle();
    expect(written).toHaveLength(2);
  });
});
