/**
 * @module openAttach: connects to the streams of a running container's main process (kubelet's GetAttach).
 */
import type { ContainerRuntime, ContainerStream } from '../runtime/container-runtime.js';
import { parseStreamOptions, StreamRequestError } from './stream-request.js';

/**
 * openAttach attaches to the container; stdin reaches the process only if the container was started with
 * `stdin: true` (the engine keeps no stdin open otherwise), as with kubelet.
 */
export async function openAttach(runtime: ContainerRuntime, containerId: string, q: URLSearchParams): Promise<{ stream: ContainerStream; stdout: boolean }> {
  const opts = parseStreamOptions(q);
  if (!runtime.attach) throw new StreamRequestError(400, 'this node\'s container runtime does not support attach');
  return { stream: await runtime.attach(containerId, opts), stdout: opts.stdout };
}
