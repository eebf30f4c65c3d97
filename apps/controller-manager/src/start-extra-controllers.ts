import type { ControllerContext } from './controller-manager.js';
import { GarbageCollector } from './controllers/garbage-collector/garbage-collector.js';
import { NamespaceController } from './controllers/namespace/namespace-controller.js';
import { NodeLifecycleController } from './controllers/node-lifecycle/node-lifecycle-controller.js';
import { TaintEvictionController } from './controllers/node-lifecycle/taint-eviction-controller.js';
import { PodGCController } from './controllers/pod-gc/pod-gc-controller.js';
import type { ControllerName } from './options.js';

/** startExtraControllers starts the controllers beyond the workload pair: node lifecycle, GC, namespace, pod GC. */
export function startExtraControllers(ctx: ControllerContext, enabled: ReadonlySet<ControllerName>): Array<Promise<void>> {
  const { informers, client, recorder, clock, logger, signal, options: o } = ctx;
  const runs: Array<Promise<void>> = [];
  if (enabled.has('garbagecollector')) runs.push(new GarbageCollector({ informers, client, clock, logger }).run(signal, o.concurrentGcSyncs ?? 20));
  if (enabled.has('nodelifecycle')) {
    const nlc = new NodeLifecycleController({
      informers,
      client,
      recorder,
      clock,
      logger,
      ...(o.nodeMonitorPeriodMs !== undefined ? { monitorPeriodMs: o.nodeMonitorPeriodMs } : {}),
      ...(o.nodeMonitorGracePeriodMs !== undefined ? { gracePeriodMs: o.nodeMonitorGracePeriodMs } : {}),
      ...(o.nodeEvictionRate !== undefined ? { evictionRate: o.nodeEvictionRate } : {}),
      ...(o.unhealthyZoneThreshold !== undefined ? { unhealthyZoneThreshold: o.unhealthyZoneThreshold } : {}),
    });
    runs.push(nlc.run(signal));
    runs.push(new TaintEvictionController({ informers, client, recorder, clock, logger }).run(signal));
  }
  if (enabled.has('namespace')) runs.push(new NamespaceController({ informers, client, clock, logger }).run(signal, o.concurrentNamespaceSyncs ?? 10));
  if (enabled.has('podgc')) {
    const podgc = new PodGCController({
      informers,
      client,
      clock,
      logger,
      ...(o.terminatedPodGcThreshold !== undefined ? { terminatedThreshold: o.terminatedPodGcThreshold } : {}),
      ...(o.podGcPeriodMs !== undefined ? { periodMs: o.podGcPeriodMs } : {}),
    });
    runs.push(podgc.run(signal));
  }
  return runs;
}
