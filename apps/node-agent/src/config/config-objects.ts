/**
 * @module ConfigObjects: the ConfigMaps and Secrets pods on this node read, as the agent's caches hold them.
 */
import type { ConfigMap, Secret } from '@skiff/api';

/**
 * ConfigObjects looks up a pod's ConfigMaps and Secrets (kubelet's configmap and secret managers). Lookups are
 * synchronous reads of a cache that is complete before any pod starts, so undefined means the object does not exist.
 */
export interface ConfigObjects {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** notFound is kubelet's error text for a missing object (what `kubectl describe pod` shows). */
export function notFound(kind: 'configmap' | 'secret', name: string): string {
  return `${kind} "${name}" not found`;
}

/** secretValue decodes one base64 value of a Secret's data. */
export function secretValue(secret: Secret, key: string): Buffer | undefined {
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64');
}

/** configMapValue reads a key of a ConfigMap from data or, base64-decoded, from binaryData. */
export function configMapValue(cm: ConfigMap, key: string): Buffer | undefined {
  const text = cm.data?.[key];
  if (text !== undefined) return Buffer.from(text, 'utf8');
  const bin = cm.binaryData?.[key];
  return bin === undefined ? undefined : Buffer.from(bin, 'base64');
}

/** ConfigObjectChange says which ConfigMap or Secret was added, changed or deleted. */
export interface ConfigObjectChange {
  kind: 'configmap' | 'secret';
  namespace: string;
  name: string;
}

/** WatchedConfigObjects also tells when an object changes, so the pods that read it are synced again. */
export interface WatchedConfigObjects extends ConfigObjects {
  onChange(listener: (change: ConfigObjectChange) => void): () => void;
}
