import { describe, expect, it } from 'vitest';
import { daemonSetRollout, statefulSetRollout, type StatefulSetLike } from './rollout-status.js';

const sts = (spec: StatefulSetLike['spec'], status: StatefulSetLike['status'], generation = 2): StatefulSetLike => ({ metadata: { name: 'db', generation }, spec, status });
const rolling = (partition?: number) => ({ type: 'RollingUpdate', rollingUpdate: partition === undefined ? {} : { partition } });

describe('kubectl rollout status of a StatefulSet', () => {
  it('waits for the controller to observe the spec, then for ready pods', () => {
    expect(statefulSetRollout(sts({ replicas: 3 }, { observedGeneration: 1 }))).toEqual({ done: false, message: 'Waiting for statefulset spec update to be observed...' });
    expect(statefulSetRollout(sts({ replicas: 3 }, {}, 0)).done).toBe(false);
    expect(statefulSetRollout(sts({ replicas: 3, updateStrategy: rolling(0) }, { observedGeneration: 2, readyReplicas: 1 }))).toEqual({ done: false, message: 'Waiting for 2 pods to be ready...' });
  });

  it('with a partition, waits for the pods at or above it to be updated', () => {
    const spec = { replicas: 3, updateStrategy: rolling(1) };
    expect(statefulSetRollout(sts(spec, { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }))).toEqual({ done: false, message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...' });
    expect(statefulSetRollout(sts(spec, { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2 }))).toEqual({ done: true, message: 'partitioned roll out complete: 2 new pods have been updated...' });
  });

  it('without rollingUpdate, compares the current and update revisions', () => {
    const spec = { replicas: 2, updateStrategy: { type: 'RollingUpdate' } };
    expect(statefulSetRollout(sts(spec, { observedGeneration: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'db-a', updateRevision: 'db-b' }))).toEqual({ done: false, message: 'waiting for statefulset rolling update to complete 1 pods at revision db-b...' });
    expect(statefulSetRollout(sts(spec, { observedGeneration: 2, readyReplicas: 2, currentReplicas: 2, currentRevision: 'db-b', updateRevision: 'db-b' }))).toEqual({ done: true, message: 'statefulset rolling update complete 2 pods at revision db-b...' });
  });
});

describe('kubectl rollout status of a DaemonSet', () => {
  const ds = (status: object, generation = 1) => ({ metadata: { name: 'agent', generation }, spec: { updateStrategy: { type: 'RollingUpdate' } }, status });
  it('waits for the spec, then updated pods, then available ones', () => {
    expect(daemonSetRollout(ds({ observedGeneration: 0 }))).toEqual({ done: false, message: 'Waiting for daemon set spec update to be observed...' });
    expect(daemonSetRollout(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1 }))).toEqual({ done: false, message: 'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...' });
    expect(daemonSetRollout(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 }))).toEqual({ done: false, message: 'Waiting for daemon set "agent" rollout to finish: 1 of 2 updated pods are available...' });
    expect(daemonSetRollout(ds({ observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 }))).toEqual({ done: true, message: 'daemon set "agent" successfully rolled out' });
  });
});
