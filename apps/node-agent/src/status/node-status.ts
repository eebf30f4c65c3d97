/**
 * @module Node registration and status: the Node object an agent creates and keeps current (kubelet's
 * kubelet_node_status.go).
 */
import { formatTime, isAlreadyExists, type Node, type NodeCondition, type NodeStatus, type Taint } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';
import { canonicalJson } from '../canonical-json.js';
import type { RuntimeInfo } from '../runtime/container-runtime.js';

/** NodeIdentity is the static description of a node. */
export interface NodeIdentity {
  name: string;
  hostIP: string;
  hostname: string;
  /** Port of the log server, published as daemonEndpoints.kubeletEndpoint.Port. */
  port: number;
  labels: Record<string, string>;
  taints: Taint[];
  /** Explicit capacity (cpu, memory, pods); missing entries come from the runtime. */
  capacity: Record<string, string>;
  os: string;
  arch: string;
  agentVersion: string;
}

/** NodeClient is the slice of the client the reporter needs. */
export interface NodeClient {
  create(node: Node): Promise<Node>;
  get(name: string): Promise<Node>;
  /**
   * cached is the Node as the agent's watch of it last saw it, undefined before that watch has it. kubelet reads its
   * Node from its informer's lister for a status tick and GETs only to retry: an idle node then asks the api-server
   * for nothing between its status patches.
   */
  cached?(name: string): Node | undefined;
  patch(name: string, body: unknown): Promise<Node>;
  patchStatus(name: string, status: NodeStatus): Promise<Node>;
}

/** Health is the runtime's health as the node reports it in Ready. */
export interface Health {
  ok: boolean;
  message: string;
}

/** nodeCapacity merges explicit capacity with what the runtime reports (cpu cores, memory bytes, 110 pods). */
export function nodeCapacity(explicit: Record<string, string>, info: RuntimeInfo | undefined): Record<string, string> {
  const cap: Record<string, string> = {
    cpu: String(info?.cpus ?? 1),
    memory: info?.memoryBytes ? `${Math.floor(info.memoryBytes / 1024)}Ki` : '1Gi',
    pods: '110',
    'ephemeral-storage': '100Gi',
  };
  return { ...cap, ...explicit };
}

/** nodeConditions builds Ready and the pressure conditions, keeping transition times that did not change. */
export function nodeConditions(health: Health, previous: NodeCondition[] | undefined, now: number, stopped = false): NodeCondition[] {
  const at = formatTime(now);
  const make = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const old = previous?.find((c) => c.type === type);
    return { type, status, reason, message, lastHeartbeatTime: at, lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : at };
  };
  const ready = stopped
    ? make('Ready', 'False', 'KubeletStopped', 'node agent stopped')
    : health.ok
      ? make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : make('Ready', 'False', 'KubeletNotReady', `container runtime is down: ${health.message}`);
  return [
    make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready,
  ];
}

/** buildNodeStatus is the full status the agent posts. */
export function buildNodeStatus(id: NodeIdentity, info: RuntimeInfo | undefined, health: Health, previous: NodeCondition[] | undefined, now: number, stopped = false): NodeStatus {
  const capacity = nodeCapacity(id.capacity, info);
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(health, previous, now, stopped),
    addresses: [
      { type: 'InternalIP', address: id.hostIP },
      { type: 'Hostname', address: id.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.port } },
    nodeInfo: {
      machineID: id.name,
      systemUUID: id.name,
      bootID: '',
      kernelVersion: info?.kernelVersion ?? '',
      osImage: info?.osImage ?? '',
      containerRuntimeVersion: info?.runtimeVersion ?? 'unknown',
      kubeletVersion: id.agentVersion,
      kubeProxyVersion: '',
      operatingSystem: id.os,
      architecture: id.arch,
    },
  };
}

/** buildNode is the Node an agent registers. */
export function buildNode(id: NodeIdentity, info: RuntimeInfo | undefined, health: Health, now: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: { 'kubernetes.io/hostname': id.name, 'kubernetes.io/os': id.os, 'kubernetes.io/arch': id.arch, ...id.labels },
    },
    spec: id.taints.length ? { taints: id.taints } : {},
    status: buildNodeStatus(id, info, health, undefined, now),
  };
}

const FORCE_UPDATE_MS = 5 * 60_000;

/** comparable is a status without heartbeat times, so only real changes compare unequal. */
function comparable(status: NodeStatus | undefined): string {
  return canonicalJson({ ...status, conditions: status?.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c) });
}

/**
 * NodeStatusReporter registers a node and posts its status, after kubelet's tryUpdateNodeStatus: each tick it reads
 * the Node from the agent's watch of it (`cached`; from the api-server when that has none yet) and posts when the
 * server's copy differs from what it would post (ignoring heartbeat times), and at least every 5 minutes otherwise
 * (nodeStatusReportFrequency). Comparing with the server's copy, not with its own last post, is what repairs a
 * status someone else changed: the node lifecycle controller sets Ready=Unknown when the Lease lapses, and only the
 * agent sets it back.
 */
export class NodeStatusReporter {
  readonly #id: NodeIdentity;
  readonly #client: NodeClient;
  readonly #clock: Clock;
  readonly #log: Logger;
  #lastPost = 0;
  uid: string | undefined;

  constructor(opts: { identity: NodeIdentity; client: NodeClient; clock: Clock; logger: Logger }) {
    this.#id = opts.identity;
    this.#client = opts.client;
    this.#clock = opts.clock;
    this.#log = opts.logger;
  }

  /**
   * register creates the Node (with --register-with-taints), or adopts an existing one and refreshes its labels and
   * status. Taints of an existing Node are left alone, as kubelet leaves them: the node lifecycle controller's and
   * `kubectl taint`'s are not the agent's to undo, and NodeRestriction refuses a node that changes them.
   */
  async register(info: RuntimeInfo | undefined, health: Health): Promise<void> {
    const node = buildNode(this.#id, info, health, this.#clock.now());
    let current: Node;
    try {
      current = await this.#client.create(node);
      this.#log.info({ node: this.#id.name }, 'node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      current = await this.#client.patch(this.#id.name, { metadata: { labels: node.metadata.labels } });
    }
    this.uid = current.metadata.uid;
    await this.#post(current, info, health, true, false);
  }

  /** update posts the status if the server's copy differs (or a post is due); `stopped` marks the node not ready. */
  async update(info: RuntimeInfo | undefined, health: Health, force = false, stopped = false): Promise<void> {
    const current = this.#client.cached?.(this.#id.name) ?? (await this.#client.get(this.#id.name));
    await this.#post(current, info, health, force, stopped);
  }

  async #post(current: Node, info: RuntimeInfo | undefined, health: Health, force: boolean, stopped: boolean): Promise<void> {
    const now = this.#clock.now();
    // Transition times carry over from the server's conditions, so Unknown -> True is a transition.
    const status = buildNodeStatus(this.#id, info, health, current.status?.conditions, now, stopped);
    if (!force && comparable(status) === comparable(current.status) && now - this.#lastPost < FORCE_UPDATE_MS) return;
    await this.#client.patchStatus(this.#id.name, status);
    this.#lastPost = now;
  }
}
