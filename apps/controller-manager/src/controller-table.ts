import type { Clock, Logger } from '@skiff/controller-kit';
import type { ControllerClient } from './controller-client.js';
import { DeploymentController } from './controllers/deployment/deployment-controller.js';
import { EndpointController } from './controllers/endpoint/endpoint-controller.js';
import { ClusterRoleAggregationController } from './controllers/clusterrole-aggregation/cluster-role-aggregation-controller.js';
import { CronJobController } from './controllers/cron-job/cron-job-controller.js';
import { DaemonSetController } from './controllers/daemon-set/daemon-set-controller.js';
import { StatefulSetController } from './controllers/stateful-set/stateful-set-controller.js';
import { PersistentVolumeController } from './controllers/persistent-volume/persistent-volume-controller.js';
import { PvcProtectionController } from './controllers/pvc-protection/pvc-protection-controller.js';
import { PvProtectionController } from './controllers/pv-protection/pv-protection-controller.js';
import { HorizontalPodAutoscalerController } from './controllers/horizontal-pod-autoscaler/horizontal-pod-autoscaler-controller.js';
import { restMetricsClient, type RawRequest } from './controllers/horizontal-pod-autoscaler/metrics-client.js';
import { DisruptionController } from './controllers/disruption/disruption-controller.js';
import { JobController } from './controllers/job/job-controller.js';
import { GarbageCollector } from './controllers/garbage-collector/garbage-collector.js';
import { NamespaceController } from './controllers/namespace/namespace-controller.js';
import { NodeLifecycleController } from './controllers/node-lifecycle/node-lifecycle-controller.js';
import { TaintEvictionController } from './controllers/node-lifecycle/taint-eviction-controller.js';
import { PodGCController } from './controllers/pod-gc/pod-gc-controller.js';
import { ReplicaSetController } from './controllers/replica-set/replica-set-controller.js';
import { ServiceProxyController } from './controllers/service-proxy/service-proxy-controller.js';
import { RootCAPublisher } from './controllers/root-ca-publisher/root-ca-publisher-controller.js';
import { TokenCleaner } from './controllers/token-cleaner/token-cleaner-controller.js';
import { ServiceAccountsController } from './controllers/service-account/service-accounts-controller.js';
import { CsrApprovingController } from './controllers/certificates/csr-approving-controller.js';
import { CsrSigningController } from './controllers/certificates/csr-signing-controller.js';
import { loadClusterSigner } from './controllers/certificates/load-cluster-signer.js';
import type { ControllerInformers } from './informers.js';
import { DEFAULT_OPTIONS, type ControllerName, type Options } from './options.js';
import type { EventRecorder } from '@skiff/controller-kit';

/** ControllerContext is what every controller of the process is built from: shared informers, client and tools. */
export interface ControllerContext {
  informers: ControllerInformers;
  client: ControllerClient;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  options: Partial<Options>;
  /** The content of --root-ca-file; without it the root-ca-cert-publisher has nothing to publish. */
  rootCA?: string;
  /** Raw GETs of the api-server, for APIs without a kind (metrics.k8s.io); without it the HPA controller is off. */
  raw?: RawRequest;
}

/** Runnable is a built controller: `run` resolves once the signal aborted and its workers stopped. */
export interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

/** defined drops the undefined entries, so an unset option falls back to the controller's own default. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * CONTROLLER_TABLE is the one place a controller is registered: each `--controllers` name builds its controllers
 * (node lifecycle is two, as in kube) from the shared context, with their options and worker counts. Keyed by
 * ControllerName, so a name without an entry does not compile.
 */
export const CONTROLLER_TABLE: Readonly<Record<ControllerName, (ctx: ControllerContext) => Runnable[]>> = {
  replicaset: ({ options: o, ...c }) => {
    const ctl = new ReplicaSetController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentReplicaSetSyncs) }];
  },
  deployment: ({ options: o, ...c }) => {
    const ctl = new DeploymentController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentDeploymentSyncs) }];
  },
  garbagecollector: ({ options: o, recorder: _r, ...c }) => {
    const ctl = new GarbageCollector(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentGcSyncs) }];
  },
  nodelifecycle: ({ options: o, ...c }) => [
    new NodeLifecycleController({
      ...c,
      ...defined({
        monitorPeriodMs: o.nodeMonitorPeriodMs,
        gracePeriodMs: o.nodeMonitorGracePeriodMs,
        evictionRate: o.nodeEvictionRate,
        unhealthyZoneThreshold: o.unhealthyZoneThreshold,
      }),
    }),
    new TaintEvictionController(c),
  ],
  namespace: ({ options: o, recorder: _r, ...c }) => {
    const ctl = new NamespaceController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentNamespaceSyncs) }];
  },
  endpoint: ({ options: _o, recorder: _r, ...c }) => {
    const ctl = new EndpointController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  'root-ca-cert-publisher': ({ options: _o, recorder: _r, rootCA, ...c }) => {
    if (!rootCA) {
      c.logger.warn({}, 'root-ca-cert-publisher is off: no --root-ca-file, so pods get no kube-root-ca.crt');
      return [];
    }
    const ctl = new RootCAPublisher({ ...c, rootCA });
    return [{ run: (signal) => ctl.run(signal, 1) }];
  },
  tokencleaner: ({ options: _o, recorder: _r, rootCA: _ca, ...c }) => {
    const ctl = new TokenCleaner(c);
    return [{ run: (signal) => ctl.run(signal, 1) }];
  },
  'clusterrole-aggregation': ({ options: _o, recorder: _r, rootCA: _ca, ...c }) => {
    const ctl = new ClusterRoleAggregationController(c);
    return [{ run: (signal) => ctl.run(signal, 1) }];
  },
  serviceaccount: ({ options: _o, recorder: _r, ...c }) => {
    const ctl = new ServiceAccountsController(c);
    return [{ run: (signal) => ctl.run(signal, 1) }];
  },
  job: ({ options: o, ...c }) => {
    const ctl = new JobController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentJobSyncs) }];
  },
  cronjob: ({ options: o, ...c }) => {
    const ctl = new CronJobController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentCronJobSyncs) }];
  },
  // Off unless --service-proxy-image is set: a cluster without a pod network for it (simulated runtime) has no use.
  serviceproxy: ({ options: o, recorder: _r, ...c }) => {
    if (!o.serviceProxyImage) return [];
    const ctl = new ServiceProxyController({
      ...c,
      config: {
        serviceClusterIPRange: o.serviceClusterIpRange ?? DEFAULT_OPTIONS.serviceClusterIpRange,
        image: o.serviceProxyImage,
        server: o.serviceProxyServer || (o.server ?? DEFAULT_OPTIONS.server),
        ...(o.serviceProxyHostPath ? { hostPath: o.serviceProxyHostPath } : {}),
      },
    });
    return [{ run: (signal) => ctl.run(signal) }];
  },
  disruption: ({ options: _o, ...c }) => {
    const ctl = new DisruptionController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  daemonset: ({ options: o, ...c }) => {
    const ctl = new DaemonSetController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentDaemonSetSyncs) }];
  },
  statefulset: ({ options: o, ...c }) => {
    const ctl = new StatefulSetController(c);
    return [{ run: (signal) => ctl.run(signal, o.concurrentStatefulSetSyncs) }];
  },
  'persistentvolume-binder': ({ options: _o, ...c }) => {
    const ctl = new PersistentVolumeController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  'pvc-protection': ({ options: _o, recorder: _r, ...c }) => {
    const ctl = new PvcProtectionController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  'pv-protection': ({ options: _o, recorder: _r, ...c }) => {
    const ctl = new PvProtectionController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  csrapproving: ({ options: _o, recorder: _r, ...c }) => {
    const ctl = new CsrApprovingController(c);
    return [{ run: (signal) => ctl.run(signal) }];
  },
  csrsigning: ({ options: o, recorder: _r, ...c }) => [
    {
      async run(signal) {
        const signer = await loadClusterSigner(o.clusterSigningCertFile ?? '', o.clusterSigningKeyFile ?? '', c.logger);
        if (!signer) return;
        await new CsrSigningController({ ...c, signer, ...defined({ signingDurationMs: o.clusterSigningDurationMs }) }).run(signal);
      },
    },
  ],
  horizontalpodautoscaling: ({ options: o, raw, rootCA: _ca, ...c }) => {
    if (!raw) {
      c.logger.warn({}, 'horizontalpodautoscaling is off: no client for metrics.k8s.io');
      return [];
    }
    const ctl = new HorizontalPodAutoscalerController({
      ...c,
      metrics: restMetricsClient(raw),
      ...defined({
        syncPeriodMs: o.horizontalPodAutoscalerSyncPeriodMs,
        downscaleStabilizationMs: o.horizontalPodAutoscalerDownscaleStabilizationMs,
        tolerance: o.horizontalPodAutoscalerTolerance,
        cpuInitializationPeriodMs: o.horizontalPodAutoscalerCpuInitializationPeriodMs,
        initialReadinessDelayMs: o.horizontalPodAutoscalerInitialReadinessDelayMs,
      }),
    });
    return [{ run: (signal) => ctl.run(signal) }];
  },
  podgc: ({ options: o, recorder: _r, ...c }) => [
    new PodGCController({ ...c, ...defined({ terminatedThreshold: o.terminatedPodGcThreshold, periodMs: o.podGcPeriodMs }) }),
  ],
};
