/**
 * @module PodClient: ResourceClient for pods plus the binding and log subresources.
 */
import type { Readable } from 'node:stream';
import type { Binding, Pod, Status } from '@skiff/api';
import { queryString } from './query-string.js';
import { ResourceClient } from './resource-client.js';

/** BindOptions names the pod's namespace and, optionally, the uid the binding must match. */
export interface BindOptions {
  namespace: string;
  /** Guards against binding a pod that was deleted and recreated under the same name. */
  uid?: string;
}

/** LogOptions are the pods/log query parameters kubectl sends. */
export interface LogOptions {
  namespace: string;
  container?: string;
  tailLines?: number;
  follow?: boolean;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
  /** Aborting cancels the request (and ends a followed stream). */
  signal?: AbortSignal;
}

/**
 * PodClient adds the pod-only calls: `bind`, the scheduler's only write, and `log`/`streamLog`, which read
 * container output as text rather than JSON.
 */
export class PodClient extends ResourceClient<Pod> {
  /** bind assigns the pod to a node by POSTing a v1 Binding; the server answers 409 if it is already bound. */
  async bind(name: string, nodeName: string, opts: BindOptions): Promise<Status> {
    const binding: Binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: opts.namespace, ...(opts.uid ? { uid: opts.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    return this.deps.transport.json<Status>({ method: 'POST', path: this.objectPath(name, opts.namespace, 'binding'), body: binding });
  }

  /** log returns a container's log as one string (use streamLog to follow). */
  async log(name: string, opts: LogOptions): Promise<string> {
    return this.deps.transport.text({ method: 'GET', path: this.#logPath(name, opts), accept: 'text/plain, */*', ...signal(opts) });
  }

  /**
   * streamLog resolves with the log as a Readable once the server has accepted the request, so errors such as
   * NotFound still arrive as a rejected ApiError; with `follow` the stream stays open until the container exits.
   * Destroy the stream to stop reading.
   */
  async streamLog(name: string, opts: LogOptions): Promise<Readable> {
    return this.deps.transport.stream({ method: 'GET', path: this.#logPath(name, opts), accept: 'text/plain, */*', ...signal(opts) });
  }

  #logPath(name: string, opts: LogOptions): string {
    return (
      this.objectPath(name, opts.namespace, 'log') +
      queryString({
        container: opts.container,
        follow: opts.follow,
        tailLines: opts.tailLines,
        timestamps: opts.timestamps,
        previous: opts.previous,
        sinceSeconds: opts.sinceSeconds,
        limitBytes: opts.limitBytes,
      })
    );
  }
}

function signal(opts: LogOptions): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}
