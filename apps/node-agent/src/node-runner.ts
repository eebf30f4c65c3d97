/**
 * @module NodeRunner: one node of an AgentProcess, its pod side: pods bound to it, their workers, the relist and the
 * status writes.
 */
import type { Pod, Service } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';
import type { EventRecorder } from '@skiff/controller-kit';
import { Pleg } from './pods/pleg.js';
import type { ClusterDNS } from './pods/pod-dns.js';
import { PodSyncer, type PodFinisher, type ProbeResults } from './pods/pod-syncer.js';
import { PodWorkers } from './pods/pod-workers.js';
import type { WatchedConfigObjects } from './config/config-objects.js';
import { podReferences } from './config/pod-references.js';
import type { ContainerRuntime } from './runtime/container-runtime.js';
import { fieldRefValue } from './pods/container-config.js';
import { VolumeManager } from './volumes/volume-manager.js';
import { ClaimVolumes, type ClaimSource } from './volumes/claim-volumes.js';
import type { TokenManager } from './volumes/token-manager.js';
import { StatusManager, type StatusWriter } from './status/status-manager.js';
import { ResourceSampler, type ContainerStatsReader } from './stats/resource-sampler.js';

/** NodeRunnerOptions configures NodeRunner. */
export interface NodeRunnerOptions {
  nodeName: string;
  hostIP: string;
  allowPrivileged?: boolean;
  clusterDNS?: ClusterDNS;
  services?: () => readonly Service[];
  /** Pod-bound ServiceAccount tokens for serviceAccountToken volumes (TokenRequest). */
  tokens?: Pick<TokenManager, 'get' | 'forget'>;
  /** The ConfigMaps and Secrets pods read (the agent's informer caches). */
  objects: WatchedConfigObjects;
  /** Where this node writes volume files: configMap and downwardAPI under rootDir, secret and projected under tmpfsDir. */
  volumeDirs: { rootDir: string; tmpfsDir: string; isTmpfs?: (dir: string) => Promise<boolean> };
  runtime: ContainerRuntime;
  /** Reads the claims and volumes of persistentVolumeClaim volumes; without it they fail to mount. */
  claims?: ClaimSource;
  /** The node's labels beyond kubernetes.io/hostname, for PersistentVolume nodeAffinity. */
  nodeLabels?: Record<string, string>;
  statusWriter: StatusWriter;
  finisher: PodFinisher;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  prober?: (onChange: (uid: string) => void) => ProbeResults;
  relistPeriodMs?: number;
  /** Relist period while the runtime's event stream is open and reports nothing (Pleg's eventedPeriodMs). */
  eventedRelistPeriodMs?: number;
  resyncMs?: number;
  /** Time between two samples of the containers' CPU and memory (--housekeeping-interval). Default 10 s. */
  housekeepingIntervalMs?: number;
  /** Reads containers' CPU and memory from their cgroups, before the runtime's stats API is asked. */
  cgroups?: ContainerStatsReader;
  /** How many app containers of one pod start at once. Default 4. */
  containerStartConcurrency?: number;
}

/**
 * NodeRunner runs the pods of one node. Pod updates come in through `upsertPod`/`deletePod` (fed by one shared
 * informer, possibly for many nodes); each schedules the pod's worker. The relist wakes the worker of every pod
 * whose containers changed. Before the first pod sync it waits for `markSynced` (the informer's initial list) and
 * a first relist, so containers of pods that are gone can be told from those of pods not yet seen.
 */
export class NodeRunner {
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly pleg: Pleg;
  readonly status: StatusManager;
  readonly workers: PodWorkers;
  /** CPU and memory of the running containers, for /stats/summary. */
  readonly stats: ResourceSampler;
  readonly #pods = new Map<string, Pod>();
  readonly #syncer: PodSyncer;
  readonly #log: Logger;
  readonly #volumes: VolumeManager;
  #synced = false;

  constructor(opts: NodeRunnerOptions) {
    this.nodeName = opts.nodeName;
    this.runtime = opts.runtime;
    this.#log = opts.logger.child({ node: opts.nodeName });
    this.status = new StatusManager(opts.statusWriter, this.#log);
    this.pleg = new Pleg({
      runtime: opts.runtime,
      clock: opts.clock,
      logger: this.#log,
      periodMs: opts.relistPeriodMs ?? 1000,
      ...(opts.eventedRelistPeriodMs !== undefined ? { eventedPeriodMs: opts.eventedRelistPeriodMs } : {}),
      onPodEvents: (uid) => {
        if (this.#synced) this.workers.update(uid);
      },
    });
    this.stats = new ResourceSampler({
      nodeName: opts.nodeName,
      runtime: opts.runtime,
      containers: this.pleg,
      clock: opts.clock,
      logger: this.#log,
      ...(opts.housekeepingIntervalMs !== undefined ? { periodMs: opts.housekeepingIntervalMs } : {}),
      ...(opts.cgroups ? { cgroups: opts.cgroups } : {}),
    });
    const prober = opts.prober?.((uid) => this.workers.update(uid));
    this.#syncer = new PodSyncer({
      nodeName: opts.nodeName,
      hostIP: opts.hostIP,
      allowPrivileged: opts.allowPrivileged ?? false,
      ...(opts.clusterDNS ? { clusterDNS: opts.clusterDNS } : {}),
      ...(opts.services ? { services: opts.services } : {}),
      objects: opts.objects,
      volumes: this.#volumes = new VolumeManager({
        ...opts.volumeDirs,
        now: () => opts.clock.now(),
        objects: opts.objects,
        fieldRef: (pod, path) => fieldRefValue(pod, path, { nodeName: opts.nodeName, hostIP: opts.hostIP, podIP: '' }),
        serviceAccountToken: (pod, audience, seconds) => opts.tokens?.get(pod, audience, seconds) ?? Promise.reject(new Error('this node agent has no TokenRequest client')),
        ...(opts.tokens ? { forgetTokens: (uid: string) => opts.tokens!.forget(uid) } : {}),
        ...(opts.claims
          ? {
              claims: new ClaimVolumes({
                nodeName: opts.nodeName,
                nodeLabels: () => ({ ...opts.nodeLabels, 'kubernetes.io/hostname': opts.nodeName }),
                source: opts.claims,
                runtime: opts.runtime,
              }),
            }
          : {}),
      }),
      runtime: opts.runtime,
      pleg: this.pleg,
      status: this.status,
      events: opts.events,
      finisher: opts.finisher,
      clock: opts.clock,
      logger: this.#log,
      ...(prober ? { prober } : {}),
      ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
      ...(opts.containerStartConcurrency !== undefined ? { containerStartConcurrency: opts.containerStartConcurrency } : {}),
    });
    this.workers = new PodWorkers({
      clock: opts.clock,
      logger: this.#log,
      sync: async (uid, signal) => {
        const pod = this.#pods.get(uid);
        const next = await this.#syncer.sync(uid, pod, signal);
        if (!pod) this.workers.forget(uid);
        return next;
      },
    });
    // A pod waiting for a ConfigMap or Secret starts as soon as it appears, and mounted files follow its updates.
    opts.objects.onChange((change) => {
      if (!this.#synced) return;
      for (const [uid, pod] of this.#pods) if (podReferences(pod, change)) this.workers.update(uid);
    });
  }

  /** upsertPod records the newest version of a pod bound to this node and schedules its worker. */
  upsertPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    this.#pods.set(uid, pod);
    if (this.#synced) this.workers.update(uid, { terminating: Boolean(pod.metadata.deletionTimestamp) });
  }

  /** deletePod forgets a pod that is gone from the API; its worker removes what is left of it. */
  deletePod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    this.#pods.delete(uid);
    if (this.#synced) this.workers.update(uid, { terminating: true });
  }

  /** pod returns a pod of this node by namespace and name. */
  /** podByUid is the bound pod with this uid, as the agent last saw it. */
  podByUid(uid: string): Pod | undefined {
    return this.#pods.get(uid);
  }

  findPod(namespace: string, name: string): Pod | undefined {
    for (const p of this.#pods.values()) if (p.metadata.namespace === namespace && p.metadata.name === name) return p;
    return undefined;
  }

  /** podCount is how many pods are bound to this node. */
  get podCount(): number {
    return this.#pods.size;
  }

  /**
   * markSynced starts pod work once the pod cache is complete: after a first relist, containers are adopted by
   * the pods still bound here and those of any other UID are removed.
   */
  async markSynced(): Promise<void> {
    await this.pleg.relist();
    this.#synced = true;
    const uids = new Set([...this.#pods.keys(), ...this.pleg.uids()]);
    // Pods with containers left get their volumes removed by their worker; these had none (a reaper took them).
    const orphans = await this.#volumes.removeOrphans(uids);
    if (orphans.length) this.#log.info({ uids: orphans }, 'removed volume files of pods no longer bound here');
    for (const uid of uids) {
      const pod = this.#pods.get(uid);
      if (!pod) this.#log.info({ uid }, 'removing containers of a pod no longer bound here');
      this.workers.update(uid, { terminating: !pod || Boolean(pod.metadata.deletionTimestamp) });
    }
  }

  /** run relists the runtime until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.workers.stop(), { once: true });
    await Promise.all([this.pleg.run(signal), this.stats.run(signal)]);
  }

  /** idle resolves when no pod worker is busy and no status write is in flight. */
  async idle(): Promise<void> {
    await this.workers.idle();
    await this.status.idle();
  }
}
