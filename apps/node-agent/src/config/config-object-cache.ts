/**
 * @module ConfigObjectCache: the node's copy of ConfigMaps and Secrets, fed by informers, read by pod syncs.
 */
import type { ConfigMap, Secret } from '@skiff/api';
import type { ConfigObjectChange, WatchedConfigObjects } from './config-objects.js';

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * ConfigObjectCache holds the newest ConfigMaps and Secrets and tells listeners what changed, so pods that wait for
 * an object start when it appears and mounted files follow its updates.
 */
export class ConfigObjectCache implements WatchedConfigObjects {
  readonly #configMaps = new Map<string, ConfigMap>();
  readonly #secrets = new Map<string, Secret>();
  readonly #listeners = new Set<(change: ConfigObjectChange) => void>();

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.#configMaps.get(key(namespace, name));
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.#secrets.get(key(namespace, name));
  }

  setConfigMap(cm: ConfigMap): void {
    this.#set('configmap', this.#configMaps, cm);
  }

  setSecret(s: Secret): void {
    this.#set('secret', this.#secrets, s);
  }

  deleteConfigMap(namespace: string, name: string): void {
    if (this.#configMaps.delete(key(namespace, name))) this.#emit({ kind: 'configmap', namespace, name });
  }

  deleteSecret(namespace: string, name: string): void {
    if (this.#secrets.delete(key(namespace, name))) this.#emit({ kind: 'secret', namespace, name });
  }

  /** onChange registers a listener for every change; it returns the function that removes it. */
  onChange(listener: (change: ConfigObjectChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set<T extends ConfigMap | Secret>(kind: ConfigObjectChange['kind'], map: Map<string, T>, obj: T): void {
    const namespace = obj.metadata.namespace ?? 'default';
    const name = obj.metadata.name ?? '';
    const old = map.get(key(namespace, name));
    map.set(key(namespace, name), obj);
    // A resync delivers the same version again: nothing for the pods to do.
    if (old && old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.#emit({ kind, namespace, name });
  }

  #emit(change: ConfigObjectChange): void {
    for (const l of this.#listeners) l(change);
  }
}
