import { describe, expect, it } from 'vitest';
import type { Deployment, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, Pod } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, newDeployment, newPod, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { HorizontalPodAutoscalerController } from './horizontal-pod-autoscaler-controller.js';
import type { PodUsage, ResourceMetricsClient } from './metrics-client.js';

/** FakeMetrics answers every pod's CPU from `milli` (absent: no sample), sampled just now over a 10 s window. */
class FakeMetrics implements ResourceMetricsClient {
  readonly milli = new Map<string, number>();
  fail: Error | undefined;
  constructor(private readonly clock: FakeClock) {}
  async podUsage(): Promise<Map<string, PodUsage>> {
    if (this.fail) throw this.fail;
    return new Map([...this.milli].map(([name, milli]) => [name, { milli, timestampMs: this.clock.now(), windowMs: 10_000 }]));
  }
}

function newHPA(spec: Partial<HorizontalPodAutoscalerSpec> = {}, desiredReplicas = 0): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-hpa', generation: 1, resourceVersion: '1', creationTimestamp: iso(-600_000) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
    status: { desiredReplicas },
  };
}

/** runningPod is a Ready pod of app=web requesting 100m CPU, started long before T0 (past CPU initialization). */
function runningPod(name: string): Pod {
  const pod = newPod(name, undefined, { ready: true, nodeName: 'node-1' });
  pod.spec.containers[0]!.resources = { requests: { cpu: '100m' } };
  pod.status = { ...pod.status, phase: 'Running', startTime: iso(-3_600_000) };
  return pod;
}

function fixture(replicas: number) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const clock = new FakeClock(T0);
  const metrics = new FakeMetrics(clock);
  const controller = new HorizontalPodAutoscalerController({ informers, client, recorder, clock, metrics, syncPeriodMs: 15_000 });
  const deployment: Deployment = newDeployment('web', replicas);
  client.deployments.objects.set('default/web', structuredClone(deployment));
  const pods = Array.from({ length: replicas }, (_, i) => runningPod(`web-${i}`));
  for (const p of pods) informers.pods.indexer.add(p);
  const addHPA = (hpa: HorizontalPodAutoscaler): void => {
    client.resource({ plural: 'horizontalpodautoscalers' } as never).objects.set('default/web', structuredClone(hpa) as never);
    informers.horizontalpodautoscalers.indexer.add(hpa);
  };
  /** hpa is the api-server's copy; refresh moves it into the cache, as the watch would. */
  const hpa = (): HorizontalPodAutoscaler => client.resource({ plural: 'horizontalpodautoscalers' } as never).objects.get('default/web') as unknown as HorizontalPodAutoscaler;
  const refresh = (): void => informers.horizontalpodautoscalers.indexer.update(structuredClone(hpa()));
  const replicasNow = (): number | undefined => client.deployments.objects.get('default/web')!.spec.replicas;
  /** setUsage gives every pod of the target `milli` CPU. */
  const setUsage = (milli: number): void => {
    metrics.milli.clear();
    for (const p of informers.pods.indexer.list()) metrics.milli.set(p.metadata.name!, milli);
  };
  /** scalePods makes the pod cache follow the Deployment's replica count, as the ReplicaSet controller would. */
  const scalePods = (): void => {
    const want = replicasNow() ?? 1;
    const have = informers.pods.indexer.list();
    for (let i = have.length; i < want; i++) informers.pods.indexer.add(runningPod(`web-${i}`));
    for (const p of have.slice(want)) informers.pods.indexer.delete(p);
  };
  const sync = async () => {
    const r = await controller.reconcile('default/web');
    refresh();
    return r;
  };
  return { informers, client, recorder, clock, metrics, controller, addHPA, hpa, refresh, replicasNow, setUsage, scalePods, sync };
}

const condition = (hpa: HorizontalPodAutoscaler, type: string) => hpa.status?.conditions?.find((c) => c.type === type);

describe('HorizontalPodAutoscalerController', () => {
  it('scales a Deployment up through its scale subresource, limited to +100% / +4 pods a period, and reports why', async () => {
    const f = fixture(2);
    f.addHPA(newHPA({}, 2));
    f.setUsage(200); // 200% of the 100m request against a 50% target: 8 replicas wanted
    expect(await f.sync()).toEqual({ requeueAfterMs: 15_000 });
    expect(f.client.actions()).toEqual([
      { verb: 'get', resource: 'deployments', namespace: 'default', name: 'web' },
      { verb: 'patch', resource: 'deployments', namespace: 'default', name: 'web' },
      { verb: 'update', resource: 'horizontalpodautoscalers', namespace: 'default', name: 'web', subresource: 'status' },
    ]);
    expect(f.replicasNow()).toBe(6);
    const status = f.hpa().status!;
    expect(status).toMatchObject({ currentReplicas: 2, desiredReplicas: 6, lastScaleTime: iso(0), observedGeneration: 1 });
    expect(status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }]);
    expect(condition(f.hpa(), 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 6' });
    expect(condition(f.hpa(), 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(condition(f.hpa(), 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    expect(f.recorder.events).toEqual(['Normal SuccessfulRescale New size: 6; reason: cpu resource utilization (percentage of request) above target']);

    // Within the 15 s period the +100% was used up; after it, the rest of the way, capped by maxReplicas.
    f.scalePods();
    f.setUsage(200);
    f.clock.advance(5000);
    await f.sync();
    expect(f.replicasNow()).toBe(6);
    f.clock.advance(11_000);
    await f.sync();
    expect(f.replicasNow()).toBe(10);
    expect(condition(f.hpa(), 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
  });

  it('changes nothing within the 10% tolerance of the target', async () => {
    const f = fixture(3);
    f.addHPA(newHPA({}, 3));
    f.setUsage(54); // 54% against 50%: ratio 1.08
    await f.sync();
    expect(f.client.actions().map((a) => a.verb)).toEqual(['get', 'update']);
    expect(f.replicasNow()).toBe(3);
    expect(f.hpa().status).toMatchObject({ currentReplicas: 3, desiredReplicas: 3 });
    expect(f.hpa().status?.lastScaleTime).toBeUndefined();
    expect(condition(f.hpa(), 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
  });

  it('holds a scale-down for the default 300 s stabilization window, then goes down to minReplicas', async () => {
    const f = fixture(4);
    f.addHPA(newHPA({ minReplicas: 2 }, 4));
    f.setUsage(5);
    await f.sync();
    expect(f.replicasNow()).toBe(4);
    expect(condition(f.hpa(), 'AbleToScale')).toMatchObject({ status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    f.clock.advance(299_000);
    await f.sync();
    expect(f.replicasNow()).toBe(4);
    f.clock.advance(2000);
    await f.sync();
    expect(f.replicasNow()).toBe(2);
    expect(f.recorder.events).toEqual(['Normal SuccessfulRescale New size: 2; reason: All metrics below target']);
    expect(condition(f.hpa(), 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooFewReplicas' });
  });

  it("uses the HPA's own scaleDown window and policies: 5 s window, at most 1 pod per 10 s", async () => {
    const f = fixture(4);
    f.addHPA(newHPA({ behavior: { scaleDown: { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] } } }, 4));
    f.setUsage(5);
    await f.sync();
    expect(f.replicasNow()).toBe(4);
    f.clock.advance(6000);
    await f.sync();
    expect(f.replicasNow()).toBe(3);
    expect(condition(f.hpa(), 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleDownLimit' });
    f.scalePods();
    f.setUsage(5);
    f.clock.advance(5000);
    await f.sync();
    expect(f.replicasNow()).toBe(3);
    f.clock.advance(6000);
    await f.sync();
    expect(f.replicasNow()).toBe(2);
  });

  it('reports ScalingActive False with FailedGetResourceMetric when pods have no metrics, and leaves the scale alone', async () => {
    const f = fixture(2);
    f.addHPA(newHPA({}, 2));
    await f.sync();
    expect(f.replicasNow()).toBe(2);
    expect(condition(f.hpa(), 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric', message: 'did not receive metrics for targeted pods (pods might be unready)' });
    expect(f.recorder.events[0]).toBe('Warning FailedGetResourceMetric did not receive metrics for targeted pods (pods might be unready)');
    f.metrics.fail = new Error('the server is currently unable to handle the request');
    await f.sync();
    expect(condition(f.hpa(), 'ScalingActive')?.message).toBe('unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request');
  });

  it('reports a missing CPU request instead of guessing a utilization', async () => {
    const f = fixture(1);
    const pod = f.informers.pods.indexer.list()[0]!;
    f.informers.pods.indexer.update({ ...pod, spec: { ...pod.spec, containers: [{ name: 'c', image: 'nginx' }] } });
    f.addHPA(newHPA({}, 1));
    f.setUsage(100);
    await f.sync();
    expect(condition(f.hpa(), 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric', message: 'missing request for cpu in container c of Pod web-0' });
  });

  it('sets AbleToScale False FailedGetScale when the target does not exist', async () => {
    const f = fixture(1);
    f.addHPA(newHPA({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } }));
    expect(await f.sync()).toEqual({ requeueAfterMs: 15_000 });
    expect(condition(f.hpa(), 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale' });
    expect(f.recorder.events[0]).toMatch(/^Warning FailedGetScale /);
  });

  it('brings a target above maxReplicas down to it at once, without metrics', async () => {
    const f = fixture(4);
    f.addHPA(newHPA({ maxReplicas: 3 }, 4));
    await f.sync();
    expect(f.replicasNow()).toBe(3);
    expect(f.recorder.events).toEqual(['Normal SuccessfulRescale New size: 3; reason: Current number of replicas above Spec.MaxReplicas']);
  });

  it('does not scale a target someone scaled to zero', async () => {
    const f = fixture(0);
    f.client.deployments.objects.get('default/web')!.spec.replicas = 0;
    f.addHPA(newHPA({}, 1));
    await f.sync();
    expect(f.replicasNow()).toBe(0);
    expect(condition(f.hpa(), 'ScalingActive')).toMatchObject({ status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
  });
});
