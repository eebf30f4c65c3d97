/**
 * @module FakeRuntime: an in-memory ContainerRuntime for unit tests, with knobs to make containers exit, pulls
 * fail and commands not start, and a record of every call.
 */
import { Readable } from 'node:stream';
import type { PullPolicy } from '@skiff/api';
import type { Clock } from '@skiff/controller-kit';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntime,
  type ExecResult,
  type LogRequest,
  type PodRef,
  type RuntimeContainer,
  type RuntimeInfo,
  type SandboxConfig,
} from '../container-runtime.js';

/** FakeRuntimeOptions configures FakeRuntime. */
export interface FakeRuntimeOptions {
  clock: Clock;
  /** Images present without a pull; defaults to none, with every pull succeeding unless listed in unpullable. */
  images?: string[];
  unpullable?: string[];
  /** Pod IPs are handed out as 10.88.0.N. */
  ipPrefix?: string;
}

/** FakeContainer is a RuntimeContainer plus what it was created from. */
export interface FakeContainer extends RuntimeContainer {
  config?: ContainerConfig;
  sandbox?: SandboxConfig;
  logs: string[];
}

/** HeldStart is a container start held by `holdStarts` before its container exists. */
export interface HeldStart {
  name: string;
  /** release lets the start go on and create the container. */
  release(): void;
}

/**
 * FakeRuntime keeps containers in a map and changes them only when told to, so tests decide exactly when a
 * container exits. `calls` lists every mutating call in order (`createSandbox ns/pod`, `start ns/pod/c#1`, ...).
 */
export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images: Set<string>;
  readonly unpullable: Set<string>;
  readonly badCommands = new Set<string>();
  readonly calls: string[] = [];
  readonly execResults = new Map<string, ExecResult>();
  /** recordCalls turns the `calls` log on (the default) or off (simulated nodes at scale). */
  recordCalls = true;
  /** When set, every call throws this (an unreachable engine). */
  down: Error | undefined;
  /**
   * holdStarts makes every startContainer wait in `held` until released (a slow engine), or reject with the abort
   * reason when its signal aborts first; `maxHeld` is the most starts ever held at once.
   */
  holdStarts = false;
  readonly held: HeldStart[] = [];
  maxHeld = 0;
  protected readonly clock: Clock;
  #seq = 0;
  #ipPrefix: string;

  constructor(opts: FakeRuntimeOptions) {
    this.clock = opts.clock;
    this.images = new Set(opts.images ?? []);
    this.unpullable = new Set(opts.unpullable ?? []);
    this.#ipPrefix = opts.ipPrefix ?? '10.88.0.';
  }

  async info(): Promise<RuntimeInfo> {
    this.#check();
    return { runtimeVersion: 'fake://1.0.0', cpus: 4, memoryBytes: 8 * 1024 ** 3, kernelVersion: 'fake', osImage: 'fake' };
  }

  async list(): Promise<RuntimeContainer[]> {
    this.#check();
    return [...this.containers.values()].map(({ config: _c, sandbox: _s, logs: _l, ...rest }) => ({ ...rest, pod: { ...rest.pod } }));
  }

  async ensureImage(image: string, policy: PullPolicy, onPull?: () => void, signal?: AbortSignal): Promise<boolean> {
    this.#check();
    signal?.throwIfAborted();
    const present = this.images.has(image);
    if (policy === 'Never') {
      if (!present) throw new RuntimeError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
      return false;
    }
    if (present && policy === 'IfNotPresent') return false;
    onPull?.();
    this.record(`pull ${image}`);
    if (this.unpullable.has(image)) throw new RuntimeError('ErrImagePull', `failed to pull image "${image}": not found`);
    this.images.add(image);
    return true;
  }

  /** The USER of images, for runAsNonRoot; an image not listed runs as root (""), as busybox does. */
  readonly imageUsers = new Map<string, string>();

  async imageUser(image: string): Promise<string> {
    this.#check();
    return this.imageUsers.get(image) ?? '';
  }

  async createSandbox(config: SandboxConfig, signal?: AbortSignal): Promise<{ id: string; ip: string }> {
    this.#check();
    signal?.throwIfAborted();
    this.record(`createSandbox ${podKey(config.pod)}`);
    const id = this.#id();
    const now = this.#now();
    const ip = `${this.#ipPrefix}${this.#seq}`;
    this.containers.set(id, {
      id,
      kind: 'sandbox',
      pod: config.pod,
      containerName: '',
      restartCount: 0,
      state: 'running',
      image: 'registry.k8s.io/pause:3.10',
      imageId: 'sha256:pause',
      createdAt: now,
      startedAt: now,
      ip,
      sandbox: config,
      logs: [],
    });
    return { id, ip };
  }

  async startContainer(_sandboxId: string, config: ContainerConfig, signal?: AbortSignal): Promise<string> {
    this.#check();
    signal?.throwIfAborted();
    if (this.holdStarts) await this.#hold(config.name, signal);
    this.record(`start ${podKey(config.pod)}/${config.name}#${config.restartCount}`);
    const id = this.#id();
    const now = this.#now();
    const bad = config.command?.[0] !== undefined && this.badCommands.has(config.command[0]);
    this.containers.set(id, {
      id,
      kind: config.kind,
      pod: config.pod,
      containerName: config.name,
      restartCount: config.restartCount,
      state: bad ? 'exited' : 'running',
      image: config.image,
      imageId: `sha256:${config.image}`,
      createdAt: now,
      ...(bad ? { exitCode: 127, error: 'exec: not found', finishedAt: now } : { startedAt: now }),
      config,
      logs: [],
    });
    if (bad) throw new RuntimeError('RunContainerError', `failed to start container "${config.name}": exec: "${config.command?.[0]}": executable file not found in $PATH`);
    return id;
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.#check();
    const c = this.containers.get(id);
    if (!c) return;
    this.record(`stop ${podKey(c.pod)}/${c.containerName || 'POD'} grace=${graceSeconds}`);
    if (c.state === 'running') this.#finish(c, 137, false);
  }

  async removeContainer(id: string): Promise<void> {
    this.#check();
    const c = this.containers.get(id);
    if (!c) return;
    this.record(`remove ${podKey(c.pod)}/${c.containerName || 'POD'}#${c.restartCount}`);
    this.containers.delete(id);
  }

  async removePodVolumes(pod: PodRef): Promise<void> {
    this.#check();
    this.record(`removeVolumes ${podKey(pod)}`);
  }

  async exec(id: string, command: string[]): Promise<ExecResult> {
    this.#check();
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') throw new RuntimeError('ExecError', `container ${id} is not running`);
    return this.execResults.get(`${c.containerName}:${command.join(' ')}`) ?? { exitCode: 0, output: '' };
  }

  async logs(id: string, req: LogRequest): Promise<Readable> {
    this.#check();
    const c = this.containers.get(id);
    let lines = c?.logs ?? [];
    if (req.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - req.tailLines));
    return Readable.from(lines.map((l) => `${l}\n`));
  }

  /** exit makes the newest running instance of a pod container exit, as a crash or completion would. */
  exit(podName: string, containerName: string, exitCode: number, oomKilled = false): void {
    const c = this.find(podName, containerName);
    if (!c) throw new Error(`no running ${podName}/${containerName}`);
    this.#finish(c, exitCode, oomKilled);
  }

  /** find returns the newest instance of a pod container (or the sandbox for containerName ''). */
  find(podName: string, containerName: string): FakeContainer | undefined {
    let best: FakeContainer | undefined;
    for (const c of this.containers.values()) {
      if (c.pod.name !== podName || c.containerName !== containerName) continue;
      if (!best || c.restartCount >= best.restartCount) best = c;
    }
    return best;
  }

  #hold(name: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const drop = (): void => {
        const i = this.held.indexOf(entry);
        if (i >= 0) this.held.splice(i, 1);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        drop();
        reject(signal!.reason);
      };
      const entry: HeldStart = {
        name,
        release: () => {
          drop();
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.held.push(entry);
      this.maxHeld = Math.max(this.maxHeld, this.held.length);
    });
  }

  protected record(call: string): void {
    if (this.recordCalls) this.calls.push(call);
  }

  #finish(c: FakeContainer, exitCode: number, oomKilled: boolean): void {
    c.state = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = oomKilled;
    c.finishedAt = this.#now();
  }

  #check(): void {
    if (this.down) throw this.down;
  }

  #id(): string {
    return `fake${String(++this.#seq).padStart(6, '0')}`;
  }

  #now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function podKey(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}`;
}
