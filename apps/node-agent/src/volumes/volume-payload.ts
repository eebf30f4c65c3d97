/**
 * @module volumePayload: the files of a configMap, secret, projected or downwardAPI volume (kubelet's MakePayload
 * of each volume plugin), as relative path, content and mode.
 */
import type { DownwardAPIVolumeFile, KeyToPath, Pod, Volume } from '@skiff/api';
import { configMapValue, notFound, secretValue, type ConfigObjects } from '../config/config-objects.js';

/** FileProjection is one file of a volume. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Payload maps each relative path of a volume to its file. */
export type Payload = Map<string, FileProjection>;

/** The mode of projected files when neither the item nor the volume sets one (kube's DefaultMode: 0644). */
export const DEFAULT_FILE_MODE = 0o644;

/** PayloadContext is what a volume's files are made from beyond the pod. */
export interface PayloadContext {
  objects: ConfigObjects;
  /** A downward-API field of the pod (the same fields env reads). */
  fieldRef(path: string): string;
  /** The pod's service-account token for a serviceAccountToken projection. */
  serviceAccountToken(audience: string | undefined, expirationSeconds: number): string;
}

/** VolumeSetupError is why a volume's files cannot be made yet (kubelet's FailedMount); the sync tries again. */
export class VolumeSetupError extends Error {
  override readonly name = 'VolumeSetupError';
}

/** isConfigVolume is true for the volume types whose files the agent writes. */
export function isConfigVolume(v: Volume): boolean {
  return Boolean(v.configMap || v.secret || v.projected || v.downwardAPI);
}

/** isSecretVolume is true for volumes that may hold credentials and so live on tmpfs (kubelet: secret, projected). */
export function isSecretVolume(v: Volume): boolean {
  return Boolean(v.secret || v.projected);
}

type Source = { name: string; keys: () => string[]; value: (key: string) => Buffer | undefined; missingKey: (key: string) => string };

/**
 * project adds the keys of one ConfigMap or Secret: all of them, or only `items`, each at its path. A missing key
 * of `items` is an error unless the source is optional (kubelet's configmap and secret MakePayload).
 */
function project(out: Payload, src: Source, items: KeyToPath[] | undefined, mode: number, optional: boolean): void {
  if (!items?.length) {
    for (const key of src.keys()) out.set(key, { data: src.value(key)!, mode });
    return;
  }
  for (const item of items) {
    const data = src.value(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(src.missingKey(item.key));
    }
    out.set(item.path, { data, mode: item.mode ?? mode });
  }
}

function configMapSource(ctx: PayloadContext, ns: string, name: string): Source | undefined {
  const cm = ctx.objects.configMap(ns, name);
  if (!cm) return undefined;
  return {
    name,
    keys: () => [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})],
    value: (k) => configMapValue(cm, k),
    missingKey: (k) => `configmap references non-existent config key: ${k}`,
  };
}

function secretSource(ctx: PayloadContext, ns: string, name: string): Source | undefined {
  const s = ctx.objects.secret(ns, name);
  if (!s) return undefined;
  return { name, keys: () => Object.keys(s.data ?? {}), value: (k) => secretValue(s, k), missingKey: (k) => `references non-existent secret key: ${k}` };
}

/** formatMap is how a downwardAPI file shows all labels or annotations: sorted `key="value"` lines (fieldpath.FormatMap). */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

function downwardFiles(out: Payload, pod: Pod, items: DownwardAPIVolumeFile[] | undefined, mode: number, ctx: PayloadContext): void {
  for (const item of items ?? []) {
    let text = '';
    const path = item.fieldRef?.fieldPath;
    if (path === 'metadata.labels') text = formatMap(pod.metadata.labels);
    else if (path === 'metadata.annotations') text = formatMap(pod.metadata.annotations);
    else if (path !== undefined) text = ctx.fieldRef(path);
    else if (item.resourceFieldRef) {
      const c = pod.spec.containers.find((x) => x.name === item.resourceFieldRef?.containerName);
      const [kind, res] = item.resourceFieldRef.resource.split('.') as [string, string];
      text = (kind === 'limits' ? c?.resources?.limits : c?.resources?.requests)?.[res] ?? '0';
    }
    out.set(item.path, { data: Buffer.from(text), mode: item.mode ?? mode });
  }
}

/**
 * volumePayload computes the files of a config volume from the objects as the cache holds them now. A missing
 * ConfigMap or Secret that is not optional throws a VolumeSetupError with kubelet's message; an optional one gives
 * no files.
 */
export function volumePayload(pod: Pod, v: Volume, ctx: PayloadContext): Payload {
  const ns = pod.metadata.namespace ?? 'default';
  const out: Payload = new Map();
  if (v.configMap) {
    const name = v.configMap.name ?? '';
    const src = configMapSource(ctx, ns, name);
    if (!src) {
      if (v.configMap.optional) return out;
      throw new VolumeSetupError(notFound('configmap', name));
    }
    project(out, src, v.configMap.items, v.configMap.defaultMode ?? DEFAULT_FILE_MODE, v.configMap.optional ?? false);
  } else if (v.secret) {
    const name = v.secret.secretName ?? '';
    const src = secretSource(ctx, ns, name);
    if (!src) {
      if (v.secret.optional) return out;
      throw new VolumeSetupError(notFound('secret', name));
    }
    project(out, src, v.secret.items, v.secret.defaultMode ?? DEFAULT_FILE_MODE, v.secret.optional ?? false);
  } else if (v.downwardAPI) {
    downwardFiles(out, pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE, ctx);
  } else if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_FILE_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap || s.secret) {
        const ref = (s.configMap ?? s.secret)!;
        const name = ref.name ?? '';
        const src = s.configMap ? configMapSource(ctx, ns, name) : secretSource(ctx, ns, name);
        if (!src) {
          if (ref.optional) continue;
          throw new VolumeSetupError(notFound(s.configMap ? 'configmap' : 'secret', name));
        }
        project(out, src, ref.items, mode, ref.optional ?? false);
      } else if (s.downwardAPI) {
        downwardFiles(out, pod, s.downwardAPI.items, mode, ctx);
      } else if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        out.set(t.path, { data: Buffer.from(ctx.serviceAccountToken(t.audience, t.expirationSeconds ?? 3600)), mode });
      }
    }
  }
  return out;
}
