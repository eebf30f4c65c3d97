import type { PodTemplateSpec } from '@skiff/api';

/** POD_TEMPLATE_HASH_LABEL is the label that ties a ReplicaSet and its pods to one Deployment template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** canonicalJson renders a value with object keys sorted, so equal templates always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** fnv32a is the 32-bit FNV-1a hash of the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** safeEncode maps each character onto an alphabet without vowels or look-alikes, as kube's rand.SafeEncodeString. */
export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/**
 * computePodTemplateHash is the stable name suffix of a Deployment's ReplicaSet: FNV-32a of the template's canonical
 * JSON (plus the collision count, when a name clash forced one), safe-encoded. The hash label itself is left out.
 */
export function computePodTemplateHash(template: PodTemplateSpec, collisionCount?: number): string {
  let text = canonicalJson(withoutHash(template));
  if (collisionCount) text += String(collisionCount);
  return safeEncode(String(fnv32a(text)));
}

/** withoutHash returns a copy of the template without the pod-template-hash label. */
export function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  if (!template) return undefined;
  const labels = template.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return template;
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  return { ...template, metadata: { ...template.metadata, labels: rest } };
}

/** templatesEqual compares two pod templates ignoring the pod-template-hash label, as kube's EqualIgnoreHash. */
export function templatesEqual(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(normalize(withoutHash(a))) === canonicalJson(normalize(withoutHash(b)));
}

function normalize(t: PodTemplateSpec | undefined): unknown {
  if (!t) return null;
  const labels = t.metadata?.labels && Object.keys(t.metadata.labels).length ? t.metadata.labels : undefined;
  return { ...t, metadata: { ...t.metadata, labels } };
}
