/**
 * @module ReferencedObjectWatcher: the ConfigMaps and Secrets the node's pods reference, one watch per object
 * (kubelet's watch-based configmap and secret managers). A node identity may read only what its pods use (the
 * Node authorizer), so the agent cannot list them all; each watch names its object with
 * fieldSelector=metadata.name=NAME in its namespace, starts when the first pod references it and stops with the
 * last one. What the watches deliver goes to the ConfigObjectCache the pod syncs read.
 */
import { parseReference, podReferences, type ConfigMap, type KubeObject, type Pod, type Secret } from '@skiff/api';
import type { ResourceClient, WatchHandle } from '@skiff/client';
import type { Logger } from '@skiff/controller-kit';
import type { ConfigObjectCache } from './config-object-cache.js';

export interface ReferencedObjectWatcherOptions {
  client: { configmaps: ResourceClient<ConfigMap>; secrets: ResourceClient<Secret> };
  objects: ConfigObjectCache;
  signal: AbortSignal;
  logger: Logger;
}

const podKey = (pod: { metadata: KubeObject['metadata'] }) => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

export class ReferencedObjectWatcher {
  readonly #o: ReferencedObjectWatcherOptions;
  readonly #podRefs = new Map<string, string[]>();
  readonly #counts = new Map<string, number>();
  readonly #watches = new Map<string, WatchHandle>();

  constructor(o: ReferencedObjectWatcherOptions) {
    this.#o = o;
    o.signal.addEventListener('abort', () => {
      for (const w of this.#watches.values()) w.stop();
      this.#watches.clear();
    }, { once: true });
  }

  /** track follows the objects a pod on this node references now (a pod update may change them). */
  track(pod: Pod): void {
    const refs = podReferences(pod).filter((r) => r.startsWith('configmaps/') || r.startsWith('secrets/'));
    const key = podKey(pod);
    const old = this.#podRefs.get(key) ?? [];
    this.#podRefs.set(key, refs);
    for (const r of refs) this.#acquire(r);
    for (const r of old) this.#release(r);
  }

  /** untrack forgets a pod that left the node. */
  untrack(pod: { metadata: KubeObject['metadata'] }): void {
    const key = podKey(pod);
    const old = this.#podRefs.get(key) ?? [];
    this.#podRefs.delete(key);
    for (const r of old) this.#release(r);
  }

  /** watched is how many objects are watched now (tests). */
  get watched(): number {
    return this.#watches.size;
  }

  #acquire(ref: string): void {
    const n = (this.#counts.get(ref) ?? 0) + 1;
    this.#counts.set(ref, n);
    if (n === 1 && !this.#o.signal.aborted) this.#watches.set(ref, this.#watch(ref));
  }

  #release(ref: string): void {
    const n = (this.#counts.get(ref) ?? 0) - 1;
    if (n > 0) return void this.#counts.set(ref, n);
    this.#counts.delete(ref);
    this.#watches.get(ref)?.stop();
    this.#watches.delete(ref);
    const { kind, namespace, name } = parseReference(ref);
    if (kind === 'configmaps') this.#o.objects.deleteConfigMap(namespace, name);
    else this.#o.objects.deleteSecret(namespace, name);
  }

  #watch(ref: string): WatchHandle {
    const { kind, namespace, name } = parseReference(ref);
    const objects = this.#o.objects;
    const set = (obj: KubeObject) => (kind === 'configmaps' ? objects.setConfigMap(obj as unknown as ConfigMap) : objects.setSecret(obj as unknown as Secret));
    const gone = () => (kind === 'configmaps' ? objects.deleteConfigMap(namespace, name) : objects.deleteSecret(namespace, name));
    const client = (kind === 'configmaps' ? this.#o.client.configmaps : this.#o.client.secrets) as unknown as ResourceClient<KubeObject>;
    return client.watch({ namespace, fieldSelector: `metadata.name=${name}` }, {
      onEvent: (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') set(e.object);
        else if (e.type === 'DELETED') gone();
      },
      onRelist: (list) => {
        const obj = list.items[0];
        if (obj) set(obj);
        else gone();
      },
      onError: (err) => this.#o.logger.debug({ err, ref }, 'watch of a referenced object failed; retrying'),
    });
  }
}
