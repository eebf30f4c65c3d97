/**
 * @module ResourceSampler: CPU and memory of a node's running containers, sampled from the runtime every
 * housekeeping interval (cAdvisor's --housekeeping_interval) and served as a subset of kubelet's Summary API
 * (`/stats/summary`), which the api-server's metrics.k8s.io reads.
 */
import pMap from 'p-map';
import { sleep, type Clock, type Logger } from '@skiff/controller-kit';
import type { ContainerRuntime, ContainerStats, PodRef, RuntimeContainer } from '../runtime/container-runtime.js';

/** CPUStats is kubelet's statsapi.CPUStats; `window` (seconds between the two samples behind the rate) is Skiff's. */
export interface CPUStats {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
  window: number;
}

/** MemoryStats is kubelet's statsapi.MemoryStats, as far as metrics need it. */
export interface MemoryStats {
  time: string;
  workingSetBytes: number;
}

export interface ContainerSummary {
  name: string;
  cpu: CPUStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: PodRef;
  containers: ContainerSummary[];
  cpu: CPUStats;
  memory: MemoryStats;
}

/** Summary is kubelet's statsapi.Summary: the node's usage and every pod's with at least one sampled container. */
export interface Summary {
  node: { nodeName: string; cpu?: CPUStats; memory?: MemoryStats };
  pods: PodSummary[];
}

/** The runtime's containers, as the relist last saw them. */
export interface ContainerSource {
  uids(): string[];
  containersOf(uid: string): RuntimeContainer[];
}

export interface ResourceSamplerOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  containers: ContainerSource;
  clock: Clock;
  logger: Logger;
  /** Time between samples; default 10 s (cAdvisor's housekeeping interval). */
  periodMs?: number;
  /** Containers sampled at once; default 16 (a runtime stats call mostly waits for the engine's next collection). */
  concurrency?: number;
  /** Reads counters from the containers' cgroups (CgroupStats); the runtime's stats API answers for those it cannot. */
  cgroups?: ContainerStatsReader;
}

/** ContainerStatsReader reads a container's counters some cheaper way than the runtime; undefined when it cannot. */
export interface ContainerStatsReader {
  read(id: string): Promise<ContainerStats | undefined>;
}

interface Sample {
  timeMs: number;
  cpuNs: number;
  memory: number;
}

interface Entry {
  container: RuntimeContainer;
  prev?: Sample;
  last: Sample;
}

/**
 * ResourceSampler keeps the last two samples of each running container: the CPU rate is the difference of their
 * cumulative CPU time over the time between them (as metrics-server computes it from kubelet's cumulative counters),
 * so a container shows up once it has been sampled twice. The node's usage is the sum of its containers': several
 * Skiff nodes may share one engine and one host, so the host's own counters would not be this node's.
 */
export class ResourceSampler {
  readonly #o: ResourceSamplerOptions;
  #entries = new Map<string, Entry>();
  /** When the last two rounds ended: a node sampled twice has usage even with no container running (zero). */
  #roundEnds: number[] = [];
  /** Rounds done and the time they took in total (for /metrics: a round should take a fraction of the period). */
  rounds = 0;
  roundSeconds = 0;
  /** Samples read from cgroup files and from the runtime's stats API. */
  cgroupSamples = 0;
  runtimeSamples = 0;

  constructor(opts: ResourceSamplerOptions) {
    this.#o = opts;
  }

  /** run samples every period until the signal aborts. A runtime without stats samples nothing. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.#o.runtime.stats) return;
    while (!signal.aborted) {
      await this.sample();
      await sleep(this.#o.clock, this.#o.periodMs ?? 10_000, signal);
    }
  }

  /** sample takes one sample of every running container and forgets containers that stopped or are gone. */
  async sample(): Promise<void> {
    const stats = this.#o.runtime.stats?.bind(this.#o.runtime);
    if (!stats) return;
    const started = this.#o.clock.now();
    const running = this.#o.containers.uids().flatMap((uid) => this.#o.containers.containersOf(uid)).filter((c) => c.kind === 'container' && c.state === 'running');
    const next = new Map<string, Entry>();
    await pMap(
      running,
      async (c) => {
        try {
          const s = await this.#read(c.id, stats);
          const old = this.#entries.get(c.id);
          // A sample no newer than the last (the engine answered from its cache) would divide by zero.
          if (old && s.timeMs <= old.last.timeMs) return void next.set(c.id, old);
          next.set(c.id, { container: c, ...(old ? { prev: old.last } : {}), last: { timeMs: s.timeMs, cpuNs: s.cpuUsageCoreNanoSeconds, memory: s.memoryWorkingSetBytes } });
        } catch (err) {
          // It stopped between the relist and the call: it simply has no metrics now.
          this.#o.logger.debug({ err, container: c.id }, 'container stats failed');
        }
      },
      { concurrency: this.#o.concurrency ?? 16 },
    );
    this.#entries = next;
    const ended = this.#o.clock.now();
    this.#roundEnds = [...this.#roundEnds.slice(-1), ended];
    this.rounds++;
    this.roundSeconds += (ended - started) / 1000;
  }

  async #read(id: string, stats: (id: string) => Promise<ContainerStats>): Promise<ContainerStats> {
    const fromCgroup = await this.#o.cgroups?.read(id);
    if (fromCgroup) {
      this.cgroupSamples++;
      return fromCgroup;
    }
    const s = await stats(id);
    this.runtimeSamples++;
    return s;
  }

  /** summary reports every container sampled twice, grouped by pod. */
  summary(): Summary {
    const pods = new Map<string, PodSummary>();
    const prevRound = this.#roundEnds.length === 2 ? this.#roundEnds[0]! : undefined;
    const lastRound = this.#roundEnds.at(-1) ?? 0;
    const node = { cpuNs: 0, nanoCores: 0, memory: 0, timeMs: lastRound, window: prevRound !== undefined ? (lastRound - prevRound) / 1000 : 0 };
    for (const e of this.#entries.values()) {
      if (!e.prev) continue;
      const window = (e.last.timeMs - e.prev.timeMs) / 1000;
      const nanoCores = Math.max(0, Math.round((e.last.cpuNs - e.prev.cpuNs) / window));
      const time = new Date(e.last.timeMs).toISOString();
      const c: ContainerSummary = {
        name: e.container.containerName,
        cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: e.last.cpuNs, window },
        memory: { time, workingSetBytes: e.last.memory },
      };
      let pod = pods.get(e.container.pod.uid);
      if (!pod) {
        pod = { podRef: e.container.pod, containers: [], cpu: { ...c.cpu, usageNanoCores: 0, usageCoreNanoSeconds: 0 }, memory: { ...c.memory, workingSetBytes: 0 } };
        pods.set(e.container.pod.uid, pod);
      }
      pod.containers.push(c);
      pod.cpu.usageNanoCores += nanoCores;
      pod.cpu.usageCoreNanoSeconds += e.last.cpuNs;
      pod.memory.workingSetBytes += e.last.memory;
      if (e.last.timeMs > Date.parse(pod.cpu.time)) pod.cpu.time = pod.memory.time = time;
      node.nanoCores += nanoCores;
      node.cpuNs += e.last.cpuNs;
      node.memory += e.last.memory;
    }
    for (const p of pods.values()) p.containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const nodeName = this.#o.nodeName;
    if (prevRound === undefined) return { node: { nodeName }, pods: [...pods.values()] };
    const time = new Date(node.timeMs).toISOString();
    return {
      node: { nodeName, cpu: { time, usageNanoCores: node.nanoCores, usageCoreNanoSeconds: node.cpuNs, window: node.window }, memory: { time, workingSetBytes: node.memory } },
      pods: [...pods.values()],
    };
  }
}
