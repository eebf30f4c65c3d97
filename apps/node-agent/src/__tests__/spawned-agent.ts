/**
 * @module The built node agent (dist/main.js) as a child process, for tests of what only the process does: flags,
 * --help, the advertised address, /readyz, surviving a failing pod stream. Build first (npm run build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';

export const AGENT_MAIN = resolve(import.meta.dirname, '../../dist/main.js');

/** cleanEnv is this process's environment without SKIFF_* variables, which the agent would read as settings. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKIFF_')));
}

export interface SpawnedAgent {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** exited resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>;
  /** stop sends SIGTERM and waits for the exit. */
  stop(): Promise<void>;
}

/** spawnAgent runs dist/main.js with `args`, without the test runner's SKIFF_* environment. */
export function spawnAgent(args: string[]): SpawnedAgent {
  const child = spawn(process.execPath, [AGENT_MAIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** agentEndpoint waits until the node is registered and returns the `http://InternalIP:port` it advertises. */
export async function agentEndpoint(client: Clientset, node: string, agent: SpawnedAgent, ms = 20_000): Promise<string> {
  const exited = new AbortController();
  void agent.exited.then((code) => exited.abort(new Error(`node agent exited with ${code}: ${agent.output()}`)));
  try {
    return await waitFor(async () => {
      const n = await client.nodes.get(node);
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
      return ip && port ? `http://${ip}:${port}` : undefined;
    }, { what: `node ${node} to register`, timeoutMs: ms, signal: exited.signal });
  } catch (e) {
    throw exited.signal.aborted ? e : new Error(`${(e as Error).message}: ${agent.output()}`);
  }
}
