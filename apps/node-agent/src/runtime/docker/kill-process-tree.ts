/**
 * @module killProcessTree: SIGKILL a process of a container and everything it started, through /proc.
 */
import { readdir, readFile } from 'node:fs/promises';

/** childrenOf lists the children of every thread of a process (empty when it is gone or /proc hides it). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const out: number[] = [];
  for (const t of tasks) {
    const text = await readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '');
    for (const c of text.split(' ')) if (/^\d+$/.test(c)) out.push(Number(c));
  }
  return out;
}

/**
 * killProcessTree kills `pid` and its descendants that are in the container's cgroup (`containerId` in
 * /proc/PID/cgroup). The cgroup check is what makes it safe: a PID seen from another PID namespace (an agent in its
 * own container), a reused PID or anything outside the container is never signalled. Returns how many it killed.
 */
export async function killProcessTree(pid: number, containerId: string): Promise<number> {
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0 && tree.length < 10_000; ) {
    const p = queue.shift()!;
    tree.push(p);
    queue.push(...(await childrenOf(p)));
  }
  let killed = 0;
  for (const p of tree) {
    const cgroup = await readFile(`/proc/${p}/cgroup`, 'utf8').catch(() => '');
    if (!containerId || !cgroup.includes(containerId)) continue;
    try {
      process.kill(p, 'SIGKILL');
      killed++;
    } catch {
      /* already gone */
    }
  }
  return killed;
}
