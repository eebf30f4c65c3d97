/**
 * @module SimulatedRuntime: `--runtime simulated`, a runtime that runs nothing, for scale tests (as KWOK does).
 */
import { Quantity, type Pod, type PullPolicy } from '@skiff/api';
import type { Clock } from '@skiff/controller-kit';
import { createHash } from 'node:crypto';
import type { ContainerConfig, ContainerStats, PodRef, RuntimeInfo } from '../container-runtime.js';
import { FakeRuntime } from '../fake/fake-runtime.js';

/** SimulatedExit makes every simulated container exit with `exitCode` once it has run for `afterMs`. */
export interface SimulatedExit {
  afterMs: number;
  exitCode: number;
}

/** SimulatedRuntimeOptions configures SimulatedRuntime. */
export interface SimulatedRuntimeOptions {
  clock: Clock;
  /** Time a container spends in ContainerCreating before it runs. Default 1 s. */
  startDelayMs?: number;
  exit?: SimulatedExit;
  /** Node index, so simulated pod IPs differ between simulated nodes (10.<idx/256>.<idx%256>.N). */
  nodeIndex?: number;
  /**
   * The CPU each container of a pod is said to use now, in millicores (the pod's SIMULATED_CPU_ANNOTATION, read
   * from the agent's pod cache, so a patch takes effect at the next sample); undefined: the synthetic default.
   */
  cpuMilliOf?: (pod: PodRef) => number | undefined;
}

/**
 * SIMULATED_CPU_ANNOTATION on a pod sets the CPU each of its simulated containers uses (a quantity such as "250m"):
 * how tests drive an autoscaler on simulated nodes.
 */
export const SIMULATED_CPU_ANNOTATION = 'skiff.dev/simulated-cpu';

/** simulatedCpuMilli reads a pod's SIMULATED_CPU_ANNOTATION in millicores; undefined when absent or not a quantity. */
export function simulatedCpuMilli(pod: Pod | undefined): number | undefined {
  const raw = pod?.metadata.annotations?.[SIMULATED_CPU_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    return Math.max(0, Quantity.parse(raw).milliValue());
  } catch {
    return undefined;
  }
}

/** CpuMeter integrates a container's CPU time at the rate it had between two reads, so a rate change is seen at once. */
interface CpuMeter {
  atMs: number;
  ns: number;
}

/**
 * SimulatedRuntime pretends: images are always present, containers become running after `startDelayMs` and,
 * with `exit`, finish after a while. It holds only small records, so one process can host a thousand nodes.
 */
export class SimulatedRuntime extends FakeRuntime {
  readonly #startDelayMs: number;
  readonly #exit: SimulatedExit | undefined;
  readonly #cpuMilliOf: ((pod: PodRef) => number | undefined) | undefined;
  readonly #meters = new Map<string, CpuMeter>();

  constructor(opts: SimulatedRuntimeOptions) {
    const idx = opts.nodeIndex ?? 0;
    super({ clock: opts.clock, ipPrefix: `10.${100 + ((idx >> 8) & 127)}.${idx & 255}.` });
    this.#startDelayMs = opts.startDelayMs ?? 1000;
    this.#exit = opts.exit;
    this.#cpuMilliOf = opts.cpuMilliOf;
    this.recordCalls = false;
  }

  override async info(): Promise<RuntimeInfo> {
    return { runtimeVersion: 'simulated://0.1.0', cpus: 4, memoryBytes: 8 * 1024 ** 3, kernelVersion: 'simulated', osImage: 'Skiff simulated node' };
  }

  override async ensureImage(_image: string, _policy: PullPolicy, _onPull?: () => void, signal?: AbortSignal): Promise<boolean> {
    // Every image is present, but an aborted call still rejects, as the ContainerRuntime contract says.
    signal?.throwIfAborted();
    return false;
  }

  /**
   * ensureVolume lets pods mount persistentVolumeClaim volumes; there is no data to keep. No listVolumes or
   * removeVolume, so simulated nodes watch no PersistentVolumes for reclaiming.
   */
  async ensureVolume(_name: string, _labels: Record<string, string>, _identity: readonly string[]): Promise<void> {}

  override async startContainer(sandboxId: string, config: ContainerConfig, signal?: AbortSignal): Promise<string> {
    const id = await super.startContainer(sandboxId, config, signal);
    const c = this.containers.get(id)!;
    c.logs.push(`simulated container ${config.name} of ${config.pod.namespace}/${config.pod.name}`);
    if (this.#startDelayMs > 0) {
      c.state = 'created';
      delete c.startedAt;
      this.clock.setTimeout(() => {
        if (c.state !== 'created') return;
        c.state = 'running';
        c.startedAt = new Date(this.clock.now()).toISOString();
        this.#armExit(id);
      }, this.#startDelayMs);
    } else this.#armExit(id);
    return id;
  }

  /**
   * stats reports plausible synthetic usage: by default steady per container, 5-99 millicores and 8-135 MiB chosen
   * from its id; a pod's SIMULATED_CPU_ANNOTATION overrides the CPU rate. CPU time accumulates at the rate in force
   * since the last read, as a real counter would.
   */
  async stats(id: string): Promise<ContainerStats> {
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') {
      this.#meters.delete(id);
      throw new Error(`container ${id} is not running`);
    }
    const seed = createHash('sha256').update(id).digest().readUInt32BE(0);
    const now = this.clock.now();
    const rateMilli = (c.config ? this.#cpuMilliOf?.(c.config.pod) : undefined) ?? 5 + (seed % 95);
    const meter = this.#meters.get(id) ?? { atMs: Date.parse(c.startedAt ?? new Date(now).toISOString()), ns: 0 };
    meter.ns += Math.max(0, now - meter.atMs) * rateMilli * 1000; // ms x millicores = 1e3 ns of CPU
    meter.atMs = now;
    this.#meters.set(id, meter);
    return { timeMs: now, cpuUsageCoreNanoSeconds: Math.round(meter.ns), memoryWorkingSetBytes: (8 + ((seed >> 8) % 128)) * 1024 * 1024 };
  }

  override async removeContainer(id: string): Promise<void> {
    this.#meters.delete(id);
    return super.removeContainer(id);
  }

  #armExit(id: string): void {
    const exit = this.#exit;
    if (!exit) return;
    this.clock.setTimeout(() => {
      const c = this.containers.get(id);
      if (!c || c.state !== 'running') return;
      c.state = 'exited';
      c.exitCode = exit.exitCode;
      c.finishedAt = new Date(this.clock.now()).toISOString();
    }, exit.afterMs);
  }
}
