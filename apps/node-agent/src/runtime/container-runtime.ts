/**
 * @module ContainerRuntime: what the node agent needs from a container engine, after kubelet's CRI
 * (RunPodSandbox, CreateContainer, StartContainer, StopContainer, ListContainers, ContainerStatus).
 */
import type { Readable, Writable } from 'node:stream';
import type { SandboxDNS } from '../pods/pod-dns.js';
import type { PullPolicy } from '@skiff/api';

/** ContainerKind tells the pause sandbox that holds a pod's network namespace from the pod's own containers. */
export type ContainerKind = 'sandbox' | 'container' | 'init' | 'ephemeral';

/** RuntimeState is the coarse state of a container as the engine reports it. */
export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

/** PodRef identifies the pod a runtime container belongs to; it is stored in the container's labels. */
export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

/** RuntimeContainer is one container of this node as the runtime sees it (a relist result). */
export interface RuntimeContainer {
  id: string;
  kind: ContainerKind;
  pod: PodRef;
  /** Pod container name; empty for the sandbox. */
  containerName: string;
  /** Instance number of this container, 0 for the first run (the skiff.dev/restart-count label). */
  restartCount: number;
  state: RuntimeState;
  image: string;
  imageId: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Engine's error for a container that could not start (bad command), if any. */
  error?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Sandbox only: the pod's IP address. */
  ip?: string;
}

/** PortMapping publishes a container port on the node, set on the sandbox. */
export interface PortMapping {
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

/** SandboxConfig describes the pause container of a pod. */
export interface SandboxConfig {
  pod: PodRef;
  hostname: string;
  ports: PortMapping[];
  /** emptyDir volume names (pod-level); the runtime creates the backing storage. */
  volumes: string[];
  /** Resolver settings (dnsPolicy ClusterFirst); absent: the runtime's default resolver. */
  dns?: SandboxDNS;
}

/** MountConfig is a volume mount of a pod container. */
export interface MountConfig {
  /** emptyDir volume name, for hostPath the host path (kind 'host'), for a named volume its name (kind 'named'). */
  volume: string;
  /** 'named' is a runtime volume that outlives the pod: the data of a PersistentVolume (ensureVolume made it). */
  kind: 'emptyDir' | 'host' | 'named';
  target: string;
  readOnly: boolean;
  /** The directory inside the volume to mount instead of its root (a volumeMount's subPath), for every kind. */
  subPath?: string;
}

/** ContainerConfig is a fully resolved pod container, ready to create: env values are already substituted. */
export interface ContainerConfig {
  pod: PodRef;
  kind: 'container' | 'init' | 'ephemeral';
  /** Runtime id of the container whose PID namespace this one joins (an ephemeral container's target). */
  pidTarget?: string;
  name: string;
  restartCount: number;
  image: string;
  command?: string[];
  args?: string[];
  env: Array<{ name: string; value: string }>;
  workingDir?: string;
  mounts: MountConfig[];
  /** Bytes; undefined means no limit. */
  memoryLimit?: number;
  /** Millicores. */
  cpuLimitMilli?: number;
  cpuRequestMilli?: number;
  user?: string;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Supplemental group IDs of the process (the pod's fsGroup and supplementalGroups). */
  groupAdd?: number[];
  /** allowPrivilegeEscalation: false: the process cannot gain privileges (setuid binaries, file capabilities). */
  noNewPrivileges?: boolean;
  /** Unconfined turns the engine's default seccomp profile off; RuntimeDefault (or unset) keeps it. */
  seccompProfile?: 'RuntimeDefault' | 'Unconfined';
  /** Unconfined turns the engine's default AppArmor profile off; RuntimeDefault (or unset) keeps it. */
  appArmorProfile?: 'RuntimeDefault' | 'Unconfined';
  /** Keep stdin open for attach (`stdin`), closed after the first attach ends (`stdinOnce`), with a terminal. */
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

/** ExecResult is what a command run inside a container returned. */
export interface ExecResult {
  exitCode: number;
  output: string;
}

/** LogRequest mirrors the pods/log query parameters. */
export interface LogRequest {
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** Only lines written at or after this instant, ms since the epoch (pods/log sinceTime). */
  sinceTimeMs?: number;
  limitBytes?: number;
}

/** ContainerStats is one sample of a running container's resource use (CRI ContainerStats). */
export interface ContainerStats {
  /** When the engine read it, ms since the epoch. */
  timeMs: number;
  /** CPU time used since the container started (cumulative), in nanoseconds. */
  cpuUsageCoreNanoSeconds: number;
  /** Memory in use that the kernel cannot reclaim at once (usage minus inactive file pages), as kubelet reports. */
  memoryWorkingSetBytes: number;
}

/** StreamOptions say which standard streams an exec or attach session carries, and whether it has a terminal. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * ContainerStream is a live exec or attach session (CRI Exec / Attach). Its output streams end when the process's
 * output ends; reading them slowly slows the process down (back-pressure reaches the engine's connection).
 */
export interface ContainerStream {
  /** The process's stdin (present when asked for); `end()` closes it, as a shell sees Ctrl-D. */
  stdin?: Writable;
  /** stdout; with a terminal everything the terminal shows. */
  stdout: Readable;
  /** stderr; ends at once with a terminal (which merges it into stdout). */
  stderr: Readable;
  /** Whether the session has a terminal: an attach has one when the container was started with `tty: true`. */
  tty: boolean;
  /** resize sets the terminal size; without a terminal it does nothing. */
  resize(width: number, height: number): Promise<void>;
  /** exitCode resolves after the output ended: the exec's exit code, undefined for an attach. */
  exitCode(): Promise<number | undefined>;
  /** close ends the session (the client left): the engine connection closes and a running exec is killed. */
  close(): Promise<void>;
}

/** RuntimeInfo is what the node reports in nodeInfo and capacity. */
export interface RuntimeInfo {
  /** e.g. docker://20.10.24 */
  runtimeVersion: string;
  cpus?: number;
  memoryBytes?: number;
  kernelVersion?: string;
  osImage?: string;
}

/** ImagePullReason is the waiting reason a failed image step shows on the container status. */
export type ImagePullReason = 'ErrImagePull' | 'ErrImageNeverPull' | 'ImagePullBackOff';

/**
 * RUNTIME_ERROR_REASONS are every reason a RuntimeError can carry. The first six are kubelet's container waiting
 * reasons; ImagePullBackOff is not among them because no runtime call throws it (the syncer shows it between pulls).
 * ExecError and ProbeTimeout are failed probe commands: the prober reports them as a probe failure, never as a
 * waiting reason.
 */
export const RUNTIME_ERROR_REASONS = [
  'ErrImagePull',
  'ErrImageNeverPull',
  'CreatePodSandboxError',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'ExecError',
  'ProbeTimeout',
] as const;

/** RuntimeErrorReason is the closed set of RuntimeError reasons. */
export type RuntimeErrorReason = (typeof RUNTIME_ERROR_REASONS)[number];

/**
 * RuntimeError is an expected failure of a runtime call that should show on the pod rather than crash the agent:
 * `reason` becomes the container's waiting reason (ErrImagePull, CreateContainerError, RunContainerError ...).
 */
export class RuntimeError extends Error {
  readonly reason: RuntimeErrorReason;
  constructor(reason: RuntimeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.reason = reason;
  }
}

/** isRuntimeError narrows an unknown error to RuntimeError. */
export function isRuntimeError(err: unknown): err is RuntimeError {
  return err instanceof RuntimeError;
}

/**
 * ContainerRuntime is the engine behind one node. Every container it creates carries the node's name, and every
 * call is scoped to that node, so several agents can share one engine without touching each other's containers.
 *
 * The calls that make something take an optional AbortSignal (kubelet passes the pod worker's context to CRI): once
 * it aborts, the call rejects with `signal.reason`, starts nothing more, and removes a container that a request
 * already in flight made, so a pod torn down after the abort is not left with a late container.
 */
export interface ContainerRuntime {
  /** info reports the engine version and host resources; it throws when the engine is unreachable. */
  info(): Promise<RuntimeInfo>;
  /** list returns every container (sandboxes included) this node made, in any state. */
  list(): Promise<RuntimeContainer[]>;
  /**
   * ensureImage makes the image present according to the pull policy, or throws a RuntimeError with an
   * ImagePullReason. It calls `onPull` just before it starts pulling and resolves true when it pulled.
   */
  ensureImage(image: string, policy: PullPolicy, onPull?: () => void, signal?: AbortSignal): Promise<boolean>;
  /** imageUser is the user a present image runs as (its USER: "", "1000", "1000:1000", "nobody"), for runAsNonRoot. */
  imageUser(image: string): Promise<string>;
  /** createSandbox creates and starts the pause container of a pod and returns its id and the pod's IP. */
  createSandbox(config: SandboxConfig, signal?: AbortSignal): Promise<{ id: string; ip: string }>;
  /** startContainer creates a container in the pod's sandbox and starts it; a bad command throws a RuntimeError. */
  startContainer(sandboxId: string, config: ContainerConfig, signal?: AbortSignal): Promise<string>;
  /** stopContainer sends the stop signal, waits up to graceSeconds, then kills. Stopping a stopped container is a no-op. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** removeContainer deletes a container (killing it if needed); a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  /** removePodVolumes deletes the pod's emptyDir storage. */
  removePodVolumes(pod: PodRef): Promise<void>;
  /**
   * ensureVolume creates a named volume that outlives pods (a PersistentVolume's data) with `labels`, or leaves
   * the existing one as it is when it carries the `identity` labels of `labels` and is plain storage; it throws
   * for a volume the name reaches that is something else (another's volume, or a bind of a host path), so a
   * PersistentVolume cannot name its way into the engine's socket or another component's data. Optional: a runtime
   * without it cannot mount persistentVolumeClaim volumes.
   */
  ensureVolume?(name: string, labels: Record<string, string>, identity: readonly string[]): Promise<void>;
  /** listVolumes lists the named volumes carrying every label of `labels`. */
  listVolumes?(labels: Record<string, string>): Promise<Array<{ name: string; labels: Record<string, string> }>>;
  /** removeVolume deletes a named volume: 'removed' (or already gone), or 'inUse' while a container still mounts it. */
  removeVolume?(name: string): Promise<'removed' | 'inUse'>;
  /** exec runs a command in a running container, for exec probes. */
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** logs streams a container's output as plain text. */
  logs(id: string, req: LogRequest): Promise<Readable>;
  /** stats samples a running container's CPU and memory (for metrics.k8s.io); optional. */
  stats?(id: string): Promise<ContainerStats>;
  /** execStream runs a command in a running container with its streams attached (kubectl exec); optional. */
  execStream?(id: string, command: string[], opts: StreamOptions): Promise<ContainerStream>;
  /** attach connects to the streams of a running container's main process (kubectl attach); optional. */
  attach?(id: string, opts: StreamOptions): Promise<ContainerStream>;
  /**
   * containerEvents follows the engine's lifecycle events of this node's containers (created, started, died,
   * destroyed, OOM, paused): it calls `onOpen` once the stream is open and `onEvent` for each event (no exec or
   * probe noise), and returns when the stream ends (the signal, or the engine closed it) or rejects when it could
   * not be opened or broke. Optional: the PLEG relists once a second without it (kubelet's generic PLEG) and every
   * 5 minutes with it (kubelet's evented PLEG).
   */
  containerEvents?(signal: AbortSignal, handlers: { onOpen(): void; onEvent(): void }): Promise<void>;
  /**
   * reapExecs kills the execs still running in this node's containers; called once at start, when any such exec
   * belongs to a previous agent process whose clients are gone with it. Resolves with how many it killed.
   */
  reapExecs?(): Promise<number>;
}
