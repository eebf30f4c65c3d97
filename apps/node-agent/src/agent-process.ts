/**
 * @module AgentProcess: the node-agent process: one or more nodes, each a NodeRunner (simulated nodes share
 * everything but their runtime), one pod informer, one Lease heartbeat, one log server.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { ClusterDNS } from './pods/pod-dns.js';
import { isConflict, isNotFound, RESOURCES, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type Service } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { SharedInformerFactory, sleep, unwrapTombstone, type Clock, type Logger, type SharedInformer } from '@skiff/controller-kit';
import { ClientEventRecorder, clientEventSink } from '@skiff/controller-kit';
import type { HealthCheck } from './log-server.js';
import type { ContainerStatsReader, Summary } from './stats/resource-sampler.js';
import { LeaseHeartbeat, type HeartbeatNode } from './status/heartbeat.js';
import { ConfigObjectCache } from './config/config-object-cache.js';
import { TokenManager, type IssuedToken } from './volumes/token-manager.js';
import { ReferencedObjectWatcher } from './config/referenced-object-watcher.js';
import { NodeRunner } from './node-runner.js';
import { VolumeReclaimer } from './volumes/volume-reclaimer.js';
import type { ClaimSource } from './volumes/claim-volumes.js';
import { NodeStatusReporter, type Health, type NodeIdentity } from './status/node-status.js';
import type { ProbeResults } from './pods/pod-syncer.js';
import type { ProbeEvents } from './probes/prober.js';
import type { ContainerRuntime, RuntimeInfo } from './runtime/container-runtime.js';

/** AgentNode is one node this process runs and the runtime behind it. */
export interface AgentNode {
  name: string;
  runtime: ContainerRuntime;
  /** Reads its containers' CPU and memory from their cgroups; without it (or where it cannot) the runtime's stats API. */
  cgroups?: ContainerStatsReader;
}

/**
 * AgentProcessOptions configures AgentProcess; main.ts builds it from flags and environment. What every node of
 * the process shares of its NodeIdentity (address, log server port, labels, taints, capacity, platform) is given once.
 */
export interface AgentProcessOptions extends Omit<NodeIdentity, 'name' | 'agentVersion'> {
  client: Clientset;
  /**
   * Renews Leases and writes node status, on connections of its own (kubelet's heartbeat client): with thousands of
   * pod status writes queued on `client`'s pool, a heartbeat behind them arrives late and the node is marked
   * NotReady for it. Defaults to `client`.
   */
  heartbeatClient?: Clientset;
  nodes: AgentNode[];
  version: string;
  leaseDurationSeconds: number;
  statusUpdateMs: number;
  allowPrivileged: boolean;
  /** --cluster-dns / --cluster-domain; absent: pods keep the runtime's resolver. */
  clusterDNS?: ClusterDNS;
  /**
   * Where volume files go (kubelet's --root-dir, and a tmpfs for secrets), each node in a subdirectory named after
   * it. Docker bind-mounts them, so they must be the same paths for the agent and the Docker engine.
   */
  volumeDirs: { rootDir: string; tmpfsDir: string };
  clock: Clock;
  logger: Logger;
  relistPeriodMs?: number;
  /** Relist period of a node whose runtime reports container events, while it reports none (default 5 min). */
  eventedRelistPeriodMs?: number;
  resyncMs?: number;
  /** Time between container stats samples (--housekeeping-interval). */
  housekeepingIntervalMs?: number;
  /** Longest wait between node registration attempts (doubling from 500 ms). Default 10 s. */
  registerRetryMaxMs?: number;
  /** prober builds the probes of one node; failed probes are reported through `events`. */
  prober?: (runtime: ContainerRuntime, onChange: (uid: string) => void, events: ProbeEvents) => ProbeResults;
}

interface NodeEntry {
  runner: NodeRunner;
  reporter: NodeStatusReporter;
  info: RuntimeInfo | undefined;
  infoError: string;
}

/**
 * AgentProcess wires the pieces: it registers every node, renews their Leases, watches the pods bound to them (one watch
 * with `spec.nodeName=<name>` for a single node; one watch of all pods filtered locally for many), hands each pod
 * to its node's NodeRunner, and posts node status. `stop` marks the nodes not ready.
 */
export class AgentProcess {
  readonly nodes = new Map<string, NodeEntry>();
  readonly #o: AgentProcessOptions;
  readonly #log: Logger;
  readonly #heartbeat: LeaseHeartbeat;
  readonly #factory: SharedInformerFactory;
  /** Every Service, for containers' service variables; set up in start, read when a container is created. */
  #services: SharedInformer<Service> | undefined;
  /** The agent's own Nodes, read by the status ticks instead of a GET each (kubelet's nodeLister). */
  #nodeInformer: SharedInformer<Node> | undefined;
  readonly #ac = new AbortController();
  readonly #hbNodes: HeartbeatNode[];
  /** ConfigMaps and Secrets, shared by every node of the process. */
  readonly #objects = new ConfigObjectCache();
  /** One per node whose runtime keeps persistent volumes (Docker): removes the data of deleted ones. */
  readonly #reclaimers: VolumeReclaimer[] = [];
  #ready = false;
  #started = false;
  #runs: Array<Promise<void>> = [];

  constructor(opts: AgentProcessOptions) {
    this.#o = opts;
    this.#log = opts.logger;
    const client = opts.client;
    const heartbeat = opts.heartbeatClient ?? client;
    // Every node's loops and the heartbeat's workers wait on this one signal at once (each removes its listener
    // when done): with many simulated nodes that is far more than Node's leak-warning default of 10.
    setMaxListeners(0, this.#ac.signal);
    this.#hbNodes = opts.nodes.map((n) => ({ name: n.name }));
    const events = new ClientEventRecorder({
      sink: clientEventSink(client.events),
      component: 'kubelet',
      clock: opts.clock,
      logger: opts.logger,
      host: opts.nodes[0]?.name ?? opts.hostname,
    });
    const tokens = new TokenManager({
      request: async (namespace, sa, spec) => {
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(sa)}/token`;
        const answer = await client.raw<{ status?: IssuedToken }>('POST', path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
        return answer.status ?? { token: '', expirationTimestamp: '' };
      },
      clock: opts.clock,
      onRefreshError: (err, pod) => opts.logger.warn({ err, pod }, 'could not refresh a ServiceAccount token; the current one is served until it expires'),
    });
    const claims: ClaimSource = {
      claim: (namespace, name) => client.resource<PersistentVolumeClaim>(RESOURCES.persistentvolumeclaims).get(name, { namespace }),
      volume: (name) => client.resource<PersistentVolume>(RESOURCES.persistentvolumes).get(name),
    };
    for (const n of opts.nodes) {
      const runner = new NodeRunner({
        nodeName: n.name,
        tokens,
        claims,
        nodeLabels: opts.labels,
        objects: this.#objects,
        volumeDirs: { rootDir: join(opts.volumeDirs.rootDir, n.name), tmpfsDir: join(opts.volumeDirs.tmpfsDir, n.name) },
        hostIP: opts.hostIP,
        allowPrivileged: opts.allowPrivileged,
        ...(opts.clusterDNS ? { clusterDNS: opts.clusterDNS } : {}),
        services: () => this.#services?.lister().list() ?? [],
        runtime: n.runtime,
        events,
        clock: opts.clock,
        logger: opts.logger,
        statusWriter: {
          patchStatus: async (namespace, name, _uid, status) => {
            const written = await client.pods.patch<Pod>(name, { status }, { namespace, subresource: 'status', type: 'merge' });
            return written.metadata.resourceVersion;
          },
        },
        finisher: {
          finishDelete: async (pod) => {
            try {
              await client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace ?? 'default', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } });
            } catch (err) {
              if (!isNotFound(err) && !isConflict(err)) throw err;
            }
          },
        },
        ...(opts.prober ? { prober: (onChange: (uid: string) => void) => opts.prober!(n.runtime, onChange, events) } : {}),
        ...(opts.relistPeriodMs !== undefined ? { relistPeriodMs: opts.relistPeriodMs } : {}),
        ...(opts.eventedRelistPeriodMs !== undefined ? { eventedRelistPeriodMs: opts.eventedRelistPeriodMs } : {}),
        ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
        ...(opts.housekeepingIntervalMs !== undefined ? { housekeepingIntervalMs: opts.housekeepingIntervalMs } : {}),
        ...(n.cgroups ? { cgroups: n.cgroups } : {}),
      });
      const identity: NodeIdentity = {
        name: n.name,
        hostIP: opts.hostIP,
        // Simulated nodes of one process are told apart by their names.
        hostname: opts.nodes.length > 1 ? n.name : opts.hostname,
        port: opts.port,
        labels: opts.labels,
        taints: opts.taints,
        capacity: opts.capacity,
        os: opts.os,
        arch: opts.arch,
        agentVersion: opts.version,
      };
      const reporter = new NodeStatusReporter({
        identity,
        clock: opts.clock,
        logger: opts.logger,
        client: {
          create: (node) => client.nodes.create(node),
          get: (name) => heartbeat.nodes.get(name),
          cached: (name) => this.#nodeInformer?.lister().get(name),
          patch: (name, body) => client.nodes.patch(name, body),
          patchStatus: (name, status) => heartbeat.nodes.patch<Node>(name, { status }, { subresource: 'status' }),
        },
      });
      this.nodes.set(n.name, { runner, reporter, info: undefined, infoError: 'not yet checked' });
    }
    this.#heartbeat = new LeaseHeartbeat({
      nodes: this.#hbNodes,
      client: { get: (name, o) => heartbeat.leases.get(name, o), create: (l) => heartbeat.leases.create(l), update: (l) => heartbeat.leases.update(l) },
      clock: opts.clock,
      logger: opts.logger,
      durationSeconds: opts.leaseDurationSeconds,
    });
    this.#factory = new SharedInformerFactory({ clock: opts.clock, logger: opts.logger });
  }

  /** ready is true once the pod cache synced and every node registered. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * readiness are the checks of the agent's /readyz: `informer-sync` (nodes registered, pods listed) and `runtime`
   * (every node's container runtime answers, as the node's Ready condition says).
   */
  readiness(): HealthCheck[] {
    const down = [...this.nodes.values()].map((e) => ({ node: e.runner.nodeName, h: this.#health(e) })).find((x) => !x.h.ok);
    return [
      { name: 'informer-sync', ok: this.#ready, message: this.#ready ? '' : 'nodes not registered or pods not listed yet' },
      { name: 'runtime', ok: !down, message: down ? `container runtime of node ${down.node} is down: ${down.h.message}` : '' },
    ];
  }

  /** summary is the Summary of a node of this process; without a name, of its only node. */
  summary(nodeName?: string): Summary | undefined {
    const entry = nodeName ? this.nodes.get(nodeName) : this.nodes.size === 1 ? [...this.nodes.values()][0] : undefined;
    return entry?.runner.stats.summary();
  }

  /** findPod finds a pod by namespace and name on any node of this process. */
  findPod(namespace: string, name: string): { runner: NodeRunner; pod: Pod } | undefined {
    for (const { runner } of this.nodes.values()) {
      const pod = runner.findPod(namespace, name);
      if (pod) return { runner, pod };
    }
    return undefined;
  }

  /**
   * start registers the nodes and starts every loop; it resolves once pods are being synced (or `stop` was called
   * first). Registration is retried here until the api-server takes it, so the informer and its handlers are set up
   * exactly once: a second `start` throws rather than registering every pod handler twice.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('AgentProcess.start may be called only once');
    this.#started = true;
    const signal = this.#ac.signal;
    await this.#forEachNode(async (name, e) => {
      // Execs a previous agent process left running lost their clients with it (kubectl exited when it died).
      const reaped = await e.runner.runtime.reapExecs?.().catch((err: unknown) => void this.#log.warn({ err, node: name }, 'could not reap execs'));
      if (reaped) this.#log.info({ node: name, execs: reaped }, 'killed execs left by a previous agent');
      for (let attempt = 1; !signal.aborted; attempt++) {
        await this.#refreshInfo(e);
        try {
          await e.reporter.register(e.info, this.#health(e));
          break;
        } catch (err) {
          const delay = Math.min(500 * 2 ** (attempt - 1), this.#o.registerRetryMaxMs ?? 10_000);
          this.#log.error({ err, node: name, attempt, delay }, 'node registration failed; retrying');
          await sleep(this.#o.clock, delay, signal);
        }
      }
      const hb = this.#hbNodes.find((n) => n.name === name);
      if (hb && e.reporter.uid) hb.uid = e.reporter.uid;
    });
    if (signal.aborted) return;
    this.#runs.push(this.#heartbeat.run(signal));
    const single = this.#o.nodes.length === 1 ? this.#o.nodes[0]!.name : undefined;
    const informer = this.#factory.forResource<Pod>('pods', this.#o.client.pods, single ? { fieldSelector: `spec.nodeName=${single}` } : {});
    // Pods start only after Services are listed, so their containers see every Service that exists (as kubelet).
    this.#services = this.#factory.forResource<Service>('services', this.#o.client.services);
    // One node: a watch of its Node by name (all the Node authorizer lets a node read); many simulated ones: all.
    this.#nodeInformer = this.#factory.forResource<Node>('nodes', this.#o.client.nodes, single ? { fieldSelector: `metadata.name=${single}` } : {});
    const route = (pod: Pod): NodeRunner | undefined => this.nodes.get(pod.spec.nodeName ?? '')?.runner;
    // The ConfigMaps and Secrets of each pod are watched one by one, before the pod is handed to its runner.
    const referenced = new ReferencedObjectWatcher({ client: this.#o.client, objects: this.#objects, signal, logger: this.#log });
    informer.addEventHandler({
      onAdd: (pod) => {
        if (route(pod)) referenced.track(pod);
        route(pod)?.upsertPod(pod);
      },
      onUpdate: (_old, pod) => {
        if (route(pod)) referenced.track(pod);
        route(pod)?.upsertPod(pod);
      },
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        referenced.untrack(pod);
        route(pod)?.deletePod(pod);
      },
    });
    this.#factory.start(signal);
    if (!(await this.#factory.waitForCacheSync(signal))) return;
    if (this.#reclaimPersistentVolumes()) for (const r of this.#reclaimers) this.#runs.push(r.run(signal));
    await informer.whenIdle();
    for (const pod of informer.lister().list()) route(pod)?.upsertPod(pod);
    await this.#forEachNode(async (_name, e) => {
      await e.runner.markSynced();
      this.#runs.push(e.runner.run(signal));
    });
    this.#runs.push(this.#statusLoop(signal));
    this.#ready = true;
    this.#log.info({ nodes: this.nodes.size }, 'node agent started');
  }

  /**
   * reclaimPersistentVolumes sets up a reclaimer per node whose runtime keeps persistent volumes; each GETs the
   * volumes whose data its node holds, by name, rather than watching every volume (the Node authorizer allows no
   * more). False when no node's runtime keeps any (simulated nodes).
   */
  #reclaimPersistentVolumes(): boolean {
    const nodes = [...this.nodes.values()].filter((e) => e.runner.runtime.listVolumes && e.runner.runtime.removeVolume);
    const api = this.#o.client.resource<PersistentVolume>(RESOURCES.persistentvolumes);
    const lookup = (name: string): Promise<PersistentVolume | undefined> => api.get(name).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    for (const e of nodes) this.#reclaimers.push(new VolumeReclaimer({ runtime: e.runner.runtime, lookup, clock: this.#o.clock, logger: this.#log.child({ node: e.runner.nodeName }) }));
    return nodes.length > 0;
  }

  /** stop ends every loop and, unless `markNotReady` is false, reports the nodes not ready (graceful shutdown). */
  async stop(markNotReady = true): Promise<void> {
    this.#ac.abort();
    this.#ready = false;
    await Promise.allSettled(this.#runs);
    await this.#factory.stopped();
    await this.idle();
    if (markNotReady) {
      await this.#forEachNode(async (_n, e) => {
        await e.reporter.update(e.info, this.#health(e), true, true).catch((err: unknown) => this.#log.warn({ err }, 'could not mark node not ready'));
      });
    }
  }

  /** idle waits until no pod worker is busy (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((e) => e.runner.idle()));
  }

  async #statusLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.#o.clock, this.#o.statusUpdateMs, signal);
      if (signal.aborted) break;
      await this.#forEachNode(async (_n, e) => {
        if (!e.info) await this.#refreshInfo(e);
        await e.reporter.update(e.info, this.#health(e)).catch((err: unknown) => this.#log.warn({ err }, 'node status update failed'));
      });
    }
  }

  async #refreshInfo(e: NodeEntry): Promise<void> {
    try {
      e.info = await e.runner.runtime.info();
      e.infoError = '';
    } catch (err) {
      e.infoError = (err as Error).message;
      this.#log.warn({ err, node: e.runner.nodeName }, 'container runtime unreachable');
    }
  }

  #health(e: NodeEntry): Health {
    if (!e.info) return { ok: false, message: e.infoError };
    if (e.runner.pleg.lastError !== undefined) return { ok: false, message: (e.runner.pleg.lastError as Error).message ?? String(e.runner.pleg.lastError) };
    return { ok: true, message: '' };
  }

  async #forEachNode(fn: (name: string, e: NodeEntry) => Promise<void>): Promise<void> {
    const entries = [...this.nodes];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const [name, e] = entries[next++]!;
        await fn(name, e);
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, entries.length) }, worker));
  }
}
