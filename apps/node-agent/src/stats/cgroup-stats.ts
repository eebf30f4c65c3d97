/**
 * @module CgroupStats: a Docker container's CPU and memory counters read straight from its cgroup files, as cAdvisor
 * (inside the kubelet) reads them, instead of asking dockerd for them.
 */
import { readFile, access } from 'node:fs/promises';
import type { Clock } from '@skiff/controller-kit';
import type { ContainerStats } from '../runtime/container-runtime.js';

/** A Docker container id: the only thing ever put into a path here. */
const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * Where Docker puts a container's cgroup below a controller's hierarchy: `docker/<id>` with the cgroupfs driver,
 * `system.slice/docker-<id>.scope` with the systemd driver (their defaults; a daemon with its own --cgroup-parent
 * falls back to the stats API).
 */
const PARENTS = [(id: string) => `docker/${id}`, (id: string) => `system.slice/docker-${id}.scope`];

export interface CgroupStatsOptions {
  /** Mount point of the host's cgroup filesystem (/sys/fs/cgroup); a container of another cgroup namespace does not see it. */
  root: string;
  clock: Clock;
}

/** statValue reads `key value` from a cgroup stat file's text (memory.stat, cpu.stat). */
function statValue(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * CgroupStats reads a running container's cumulative CPU time and working set from cgroup v1 or v2 files: a few
 * small file reads in this process, where Docker's stats API costs dockerd and containerd a round trip each and
 * answers only at its next one-second collection tick. `read` gives undefined whenever the files are not there
 * (another cgroup namespace, another layout, the container just stopped): the caller then asks the runtime.
 */
export class CgroupStats {
  readonly #o: CgroupStatsOptions;
  #version: Promise<1 | 2> | undefined;
  /** Index into PARENTS of the layout that last worked: the daemon's driver does not change while it runs. */
  #parent = 0;

  constructor(opts: CgroupStatsOptions) {
    this.#o = opts;
  }

  async read(id: string): Promise<ContainerStats | undefined> {
    if (!CONTAINER_ID.test(id)) return undefined;
    // cgroup v2 has one hierarchy with cgroup.controllers at its root; v1 one directory per controller.
    this.#version ??= access(`${this.#o.root}/cgroup.controllers`).then(
      () => 2 as const,
      () => 1 as const,
    );
    const version = await this.#version;
    for (let i = 0; i < PARENTS.length; i++) {
      const p = (this.#parent + i) % PARENTS.length;
      const stats = await (version === 2 ? this.#readV2(PARENTS[p]!(id)) : this.#readV1(PARENTS[p]!(id))).catch(() => undefined);
      if (stats) {
        this.#parent = p;
        return stats;
      }
    }
    return undefined;
  }

  /** #readV2: cpu.stat usage_usec; working set = memory.current minus memory.stat inactive_file (kubelet's). */
  async #readV2(dir: string): Promise<ContainerStats> {
    const base = `${this.#o.root}/${dir}`;
    const [cpu, current, memStat] = await Promise.all([readFile(`${base}/cpu.stat`, 'utf8'), readFile(`${base}/memory.current`, 'utf8'), readFile(`${base}/memory.stat`, 'utf8')]);
    const usageUsec = statValue(cpu, 'usage_usec');
    if (usageUsec === undefined) throw new Error(`${base}/cpu.stat has no usage_usec`);
    return this.#stats(usageUsec * 1000, Number(current.trim()), statValue(memStat, 'inactive_file') ?? 0);
  }

  /** #readV1: cpuacct.usage (ns); working set = memory.usage_in_bytes minus memory.stat total_inactive_file. */
  async #readV1(dir: string): Promise<ContainerStats> {
    const root = this.#o.root;
    const [cpu, usage, memStat] = await Promise.all([readFile(`${root}/cpuacct/${dir}/cpuacct.usage`, 'utf8'), readFile(`${root}/memory/${dir}/memory.usage_in_bytes`, 'utf8'), readFile(`${root}/memory/${dir}/memory.stat`, 'utf8')]);
    return this.#stats(Number(cpu.trim()), Number(usage.trim()), statValue(memStat, 'total_inactive_file') ?? 0);
  }

  #stats(cpuNs: number, usage: number, inactive: number): ContainerStats {
    if (!Number.isFinite(cpuNs) || !Number.isFinite(usage)) throw new Error('unreadable cgroup counters');
    return { timeMs: this.#o.clock.now(), cpuUsageCoreNanoSeconds: cpuNs, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
  }
}
