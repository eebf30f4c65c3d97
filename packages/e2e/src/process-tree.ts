/**
 * @module Reading the process tree from /proc (Linux), so tests can find and watch the processes a command started
 * without relying on what the command prints.
 */
import { readFileSync, readdirSync } from 'node:fs';

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** statFields are the fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, … */
const statFields = (pid: number): string[] => readProc(`/proc/${pid}/stat`).replace(/^.*\) /s, '').split(' ');

/** alive is true for a live process; an exited one still waiting to be reaped (a zombie) counts as gone. */
export function alive(pid: number): boolean {
  const state = statFields(pid)[0];
  return state !== undefined && state !== '' && state !== 'Z';
}

/** parentOf is a process's parent pid. */
export const parentOf = (pid: number): number => Number(statFields(pid)[1]);

/** descendants lists the live processes under `root`, with their command lines (arguments joined by spaces). */
export function descendants(root: number): Array<{ pid: number; cmdline: string }> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || !alive(pid)) continue;
    const ppid = parentOf(pid);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: Array<{ pid: number; cmdline: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of children.get(queue.shift()!) ?? []) {
      queue.push(pid);
      found.push({ pid, cmdline: readProc(`/proc/${pid}/cmdline`).split('\0').join(' ') });
    }
  }
  return found;
}

/** appPids maps each Skiff app running under `root` (api-server, scheduler, …) to its pid. */
export function appPids(root: number): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const { pid, cmdline } of descendants(root)) {
    const app = /apps\/([a-z-]+)\/dist\/main\.js/.exec(cmdline)?.[1];
    if (app) pids[app] = pid;
  }
  return pids;
}
