import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock, realClock } from '@skiff/controller-kit';
import { waitFor } from '@skiff/testing';
import { DockerClient } from '../runtime/docker/docker-client.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { DOCKER_SOCKET, dockerAvailable } from '../runtime/docker/docker-test-env.js';
import { CgroupStats } from './cgroup-stats.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** fakeRoot writes cgroup files under a temp root: path (relative) → content. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'skiff-cgroup-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const id = 'a'.repeat(64);

describe('CgroupStats', () => {
  it('reads cgroup v1 (cgroupfs driver): cpuacct.usage, and usage_in_bytes minus total_inactive_file', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const root = fakeRoot({
      [`cpuacct/docker/${id}/cpuacct.usage`]: '123456789\n',
      [`memory/docker/${id}/memory.usage_in_bytes`]: '10485760\n',
      [`memory/docker/${id}/memory.stat`]: 'cache 4096\ninactive_file 1\ntotal_cache 4096\ntotal_inactive_file 2097152\n',
    });
    expect(await new CgroupStats({ root, clock }).read(id)).toEqual({ timeMs: clock.now(), cpuUsageCoreNanoSeconds: 123456789, memoryWorkingSetBytes: 8 << 20 });
  });

  it('reads cgroup v2 (systemd driver): cpu.stat usage_usec, and memory.current minus inactive_file', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const scope = `system.slice/docker-${id}.scope`;
    const root = fakeRoot({
      'cgroup.controllers': 'cpu memory pids\n',
      [`${scope}/cpu.stat`]: 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n',
      [`${scope}/memory.current`]: '3145728\n',
      [`${scope}/memory.stat`]: 'anon 1048576\nactive_file 0\ninactive_file 1048576\n',
    });
    expect(await new CgroupStats({ root, clock }).read(id)).toEqual({ timeMs: clock.now(), cpuUsageCoreNanoSeconds: 2_500_000, memoryWorkingSetBytes: 2 << 20 });
  });

  it('answers undefined for a container it cannot see and for anything but a container id (never a path)', async () => {
    const root = fakeRoot({ [`cpuacct/docker/${id}/cpuacct.usage`]: '1\n', [`memory/docker/${id}/memory.usage_in_bytes`]: '1\n', [`memory/docker/${id}/memory.stat`]: '' });
    const stats = new CgroupStats({ root, clock: new FakeClock() });
    expect(await stats.read('b'.repeat(64))).toBeUndefined();
    expect(await stats.read(`../docker/${id}`)).toBeUndefined();
    expect(await stats.read('sim-container-1')).toBeUndefined();
  });

  it("reads a real Docker container's counters from the host's cgroups: what Docker's stats API (the fallback) reports", async (ctx) => {
    // Skips only outside CI, where no engine may answer: with SKIFF_REQUIRE_DOCKER=1 (CI) dockerAvailable throws.
    if (!(await dockerAvailable())) return ctx.skip();
    const d = new DockerClient({ socketPath: DOCKER_SOCKET });
    const name = `skiff-cgroup-stats-${randomBytes(4).toString('hex')}`;
    try {
      const { Id } = await d.json<{ Id: string }>({ method: 'POST', path: `/containers/create?name=${name}`, body: { Image: 'busybox:1.36', Cmd: ['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 600'], HostConfig: { AutoRemove: false } } });
      await d.json({ method: 'POST', path: `/containers/${Id}/start` });
      // The loop has ended once the container sleeps: its counters stand still from then on.
      await waitFor(async () => (await d.json<{ Processes: string[][] }>({ method: 'GET', path: `/containers/${Id}/top` })).Processes.some((p) => p.at(-1) === 'sleep 600'), { what: 'the container to sleep', timeoutMs: 30_000 });
      const fromDocker = await new DockerRuntime({ docker: d, nodeName: 'unused' }).stats(Id);
      const read = await new CgroupStats({ root: '/sys/fs/cgroup', clock: realClock }).read(Id);
      expect(read).toBeDefined();
      // Read after Docker's sample: the same cumulative counter, so at least as large, and no more than a little.
      expect(read!.cpuUsageCoreNanoSeconds).toBeGreaterThanOrEqual(fromDocker.cpuUsageCoreNanoSeconds);
      expect(read!.cpuUsageCoreNanoSeconds - fromDocker.cpuUsageCoreNanoSeconds).toBeLessThan(50e6);
      expect(fromDocker.cpuUsageCoreNanoSeconds).toBeGreaterThan(0);
      expect(Math.abs(read!.memoryWorkingSetBytes - fromDocker.memoryWorkingSetBytes)).toBeLessThan(1 << 20);
      expect(read!.memoryWorkingSetBytes).toBeGreaterThan(0);
    } finally {
      await d.json({ method: 'DELETE', path: `/containers/${name}?force=true` }).catch(() => undefined);
      await d.close();
    }
  });
});
