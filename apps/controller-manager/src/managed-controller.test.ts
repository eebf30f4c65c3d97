import { describe, expect, it } from 'vitest';
import { FakeClock, watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from './managed-controller.js';
import { RecordingClient } from './testing/recording-client.js';
import { createFakeInformers } from './testing/fake-informers.js';

class Probe extends ManagedController {
  readonly seen: string[] = [];

  constructor(deps: ControllerDeps, declare: boolean) {
    super('probe', deps, 2);
    if (declare) this.watch([watch.primary(this.informers.pods)], ['start']);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    this.seen.push(key);
    return {};
  }
}

describe('ManagedController', () => {
  it('runs its reconcile on the keys its declared watches and initial keys give, once the watched cache synced', async () => {
    const clock = new FakeClock();
    const informers = createFakeInformers();
    const probe = new Probe({ informers, client: new RecordingClient(), clock }, true);
    const ac = new AbortController();
    const run = probe.run(ac.signal);
    await clock.advanceAsync(0);
    expect(probe.seen).toEqual([]);
    const informerRun = informers.pods.run(ac.signal);
    for (let i = 0; i < 50 && probe.seen.length === 0; i++) await clock.advanceAsync(100);
    expect(probe.seen).toEqual(['start']);
    ac.abort();
    await Promise.all([run, informerRun]);
  });

  it('refuses to run a controller that declared no watches', () => {
    const probe = new Probe({ informers: createFakeInformers(), client: new RecordingClient() }, false);
    expect(() => probe.run(new AbortController().signal)).toThrow('controller probe declared no watches');
  });
});
