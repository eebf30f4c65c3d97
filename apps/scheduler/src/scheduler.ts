/**
 * @module Scheduler: event handlers, the scheduling loop and asynchronous binding (pkg/scheduler).
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { formatTime, isNotFound, isPodTerminal, type Node, type Pod } from '@skiff/api';
import { ClientEventRecorder, referenceTo, type Clock, type Logger } from '@skiff/controller-kit';
import { podKey } from './cache/node-info.js';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { DECISION_ANNOTATION, scheduledMessage, type SchedulingDecision } from './decision/scheduling-decision.js';
import type { Framework } from './framework/framework.js';
import { defaultQueueingHint } from './plugins/default-registry.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';
import type { SchedulerWriter } from './scheduler-writer.js';

/** POD fills the apiVersion and kind a cached pod may lack in its events' involvedObject. */
const POD = { apiVersion: 'v1', kind: 'Pod' };

/** SchedulerOptions are the scheduler's injected dependencies. */
export interface SchedulerOptions {
  writer: SchedulerWriter;
  framework: Framework;
  clock: Clock;
  logger: Logger;
  /** Pods whose spec.schedulerName is this (or unset, for "default-scheduler") are ours. */
  schedulerName: string;
  metrics?: SchedulerMetrics;
  /** Identity for Events' reportingInstance. */
  instance?: string;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest run of back-to-back cycles before yielding to I/O, so binds and watch events keep flowing. Default 10 ms. */
  sliceMs?: number;
  /** PreBind plugins' step before the bind (VolumeBinding: claims bound on the chosen node); a rejection fails the bind. */
  preBind?: (pod: Pod, node: string) => Promise<void>;
}

const DEFAULT_SCHEDULER = 'default-scheduler';

function nodeChangedForScheduling(a: Node, b: Node): boolean {
  const view = (n: Node): unknown => [
    n.metadata.labels ?? {},
    n.spec?.unschedulable ?? false,
    n.spec?.taints ?? [],
    n.status?.allocatable ?? n.status?.capacity ?? {},
    (n.status?.conditions ?? []).map((c) => [c.type, c.status]),
  ];
  return JSON.stringify(view(a)) !== JSON.stringify(view(b));
}

/**
 * Scheduler places pending pods on nodes. Informer events feed the queue (unbound pods that are ours) and the
 * cache (bound pods, nodes). The loop pops one pod at a time and runs a synchronous cycle: filter and score over
 * a snapshot, then **assume** the pod onto the winner in the cache and start the bind without waiting for it, so
 * the next pod is scheduled at once against usage that already counts this one. A bind that fails forgets the
 * assumption and sends the pod back through backoff. No fit sets PodScheduled=False with kube's message, writes
 * the decision annotation, and parks the pod until a cluster event may help.
 */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly events: ClientEventRecorder;
  readonly #o: SchedulerOptions;
  readonly #log: Logger;
  readonly #inflight = new Set<Promise<void>>();

  constructor(opts: SchedulerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ component: 'scheduler' });
    this.queue = new SchedulingQueue({
      clock: opts.clock,
      hint: defaultQueueingHint,
      ...(opts.initialBackoffMs !== undefined ? { initialBackoffMs: opts.initialBackoffMs } : {}),
      ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
    });
    this.events = new ClientEventRecorder({
      sink: { create: (e) => opts.writer.createEvent(e), patch: (ns, name, body) => opts.writer.patchEvent(ns, name, body) },
      clock: opts.clock,
      logger: this.#log,
      component: opts.schedulerName,
      ...(opts.instance ? { instance: opts.instance } : {}),
    });
    opts.metrics?.attach({
      pending: () => this.queue.pending(),
      unschedulablePlugins: () => this.queue.unschedulablePlugins(),
      assumedPods: () => this.cache.assumedCount(),
    });
  }

  /** responsibleFor says whether a pod names this scheduler (an unset name means the default scheduler). */
  responsibleFor(pod: Pod): boolean {
    return (pod.spec.schedulerName || DEFAULT_SCHEDULER) === this.#o.schedulerName;
  }

  onPodAdd(pod: Pod): void {
    if (pod.spec.nodeName) {
      if (!isPodTerminal(pod)) this.cache.addPod(pod);
      return;
    }
    if (this.#wantsScheduling(pod)) this.queue.add(pod);
  }

  onPodUpdate(oldPod: Pod, newPod: Pod): void {
    if (newPod.spec.nodeName) {
      if (!oldPod.spec.nodeName) this.queue.delete(newPod);
      if (isPodTerminal(newPod)) {
        this.cache.removePod(newPod);
        this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      } else this.cache.updatePod(newPod);
      return;
    }
    if (this.cache.isAssumed(newPod)) return;
    if (this.#wantsScheduling(newPod)) this.queue.update(oldPod, newPod);
    else this.queue.delete(newPod);
  }

  onPodDelete(pod: Pod): void {
    this.queue.delete(pod);
    if (pod.spec.nodeName || this.cache.isAssumed(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
  }

  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoff('NodeAdd');
  }

  onNodeUpdate(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(newNode);
    if (nodeChangedForScheduling(oldNode, newNode)) this.queue.moveAllToActiveOrBackoff('NodeUpdate');
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node);
  }

  /** run schedules pods until the signal aborts, then waits for binds in flight. */
  async run(signal: AbortSignal): Promise<void> {
    const sliceMs = this.#o.sliceMs ?? 10;
    let sliceStart = performance.now();
    this.#log.info({ schedulerName: this.#o.schedulerName }, 'scheduling loop started');
    while (!signal.aborted) {
      const info = await this.queue.pop(signal);
      if (!info) break;
      try {
        this.scheduleOne(info);
      } catch (err) {
        this.#log.error({ err, pod: info.key }, 'scheduling cycle failed');
        this.queue.addUnschedulable(info, this.queue.schedulingCycle, 'error');
      }
      if (performance.now() - sliceStart > sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    await this.idle();
    this.#log.info({}, 'scheduling loop stopped');
  }

  /** idle resolves once every bind and status write in flight, and every queued event, has settled. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
    await this.events.idle();
  }

  /** close stops the queue; a running loop ends and binds in flight still finish. */
  close(): void {
    this.queue.close();
  }

  /** scheduleOne runs one synchronous scheduling cycle for a popped pod and starts its bind or failure report. */
  scheduleOne(info: QueuedPodInfo): void {
    const pod = info.pod;
    if (pod.metadata.deletionTimestamp || pod.spec.nodeName || this.cache.isAssumed(pod)) return;
    const profile = this.#o.schedulerName;
    const started = performance.now();
    const cycle = this.queue.schedulingCycle;
    const result = this.#o.framework.schedule(pod, this.cache.snapshot(), info.attempts);
    if (!result.fit) {
      const seconds = (performance.now() - started) / 1000;
      this.#o.metrics?.attempts.inc({ result: 'unschedulable', profile });
      this.#o.metrics?.attemptDuration.observe({ result: 'unschedulable', profile }, seconds);
      this.queue.addUnschedulable({ ...info, unschedulablePlugins: result.rejectedBy }, cycle);
      this.#log.debug({ pod: info.key, message: result.decision.message }, 'unschedulable');
      this.#track(this.#reportUnschedulable(pod, result.decision));
      return;
    }
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: result.node } };
    this.cache.assumePod(assumed);
    this.#track(this.#bind(info, assumed, result.node, result.decision, cycle, started));
  }

  #wantsScheduling(pod: Pod): boolean {
    return this.responsibleFor(pod) && !pod.metadata.deletionTimestamp && !isPodTerminal(pod);
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #bind(info: QueuedPodInfo, assumed: Pod, node: string, decision: SchedulingDecision, cycle: number, started: number): Promise<void> {
    const profile = this.#o.schedulerName;
    const metrics = this.#o.metrics;
    const pod = info.pod;
    const bindStart = performance.now();
    try {
      await this.#o.preBind?.(pod, node);
      await this.#o.writer.bind(pod, node, { [DECISION_ANNOTATION]: JSON.stringify(decision) });
    } catch (err) {
      this.cache.forgetPod(assumed);
      metrics?.bindingDuration.observe({ result: 'error' }, (performance.now() - bindStart) / 1000);
      metrics?.attempts.inc({ result: 'error', profile });
      metrics?.attemptDuration.observe({ result: 'error', profile }, (performance.now() - started) / 1000);
      if (isNotFound(err)) return;
      this.#log.warn({ err, pod: info.key, node }, 'binding failed');
      // If the watch already shows the pod bound (by another scheduler, say), there is nothing to retry.
      if (this.#boundInCache(pod)) return;
      this.events.record(referenceTo(pod, POD), 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
      this.queue.addUnschedulable(info, cycle, 'error');
      return;
    }
    const now = performance.now();
    metrics?.bindingDuration.observe({ result: 'scheduled' }, (now - bindStart) / 1000);
    metrics?.attempts.inc({ result: 'scheduled', profile });
    metrics?.attemptDuration.observe({ result: 'scheduled', profile }, (now - started) / 1000);
    metrics?.e2eDuration.observe({ result: 'scheduled', profile }, Math.max(0, this.#o.clock.now() - info.initialTimestamp) / 1000);
    metrics?.podsScheduled.inc({ profile });
    this.events.record(referenceTo(pod, POD), 'Normal', 'Scheduled', scheduledMessage(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', decision));
  }

  #boundInCache(pod: Pod): boolean {
    return this.cache.hasPod(podKey(pod)) && !this.cache.isAssumed(pod);
  }

  async #reportUnschedulable(pod: Pod, decision: SchedulingDecision): Promise<void> {
    const message = decision.message ?? '';
    this.events.record(referenceTo(pod, POD), 'Warning', 'FailedScheduling', message);
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    try {
      if (current?.status !== 'False' || current.reason !== 'Unschedulable' || current.message !== message) {
        await this.#o.writer.setPodCondition(pod, {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastProbeTime: null,
          lastTransitionTime: formatTime(this.#o.clock.now()),
        });
      }
      const annotation = JSON.stringify(decision);
      if (pod.metadata.annotations?.[DECISION_ANNOTATION] !== annotation) await this.#o.writer.annotate(pod, { [DECISION_ANNOTATION]: annotation });
    } catch (err) {
      if (!isNotFound(err)) this.#log.warn({ err, pod: podKey(pod) }, 'failed to record unschedulable status');
    }
  }
}
