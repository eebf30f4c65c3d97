/**
 * @module openExec: starts `kubectl exec`'s command in a running container (kubelet's GetExec).
 */
import type { ContainerRuntime, ContainerStream } from '../runtime/container-runtime.js';
import { parseStreamOptions, StreamRequestError } from './stream-request.js';

/** openExec runs the request's `command` (one query parameter per argument) with the streams it asks for. */
export async function openExec(runtime: ContainerRuntime, containerId: string, q: URLSearchParams): Promise<{ stream: ContainerStream; stdout: boolean }> {
  const command = q.getAll('command');
  if (command.length === 0) throw new StreamRequestError(400, 'you must specify at least one command for the container');
  const opts = parseStreamOptions(q);
  if (!runtime.execStream) throw new StreamRequestError(400, 'this node\'s container runtime does not support exec');
  return { stream: await runtime.execStream(containerId, command, opts), stdout: opts.stdout };
}
