import { describe, expect, it } from 'vitest';
import { KINDS } from '../kinds/index.js';
import { kindSchemas, REF_PREFIX, type JsonSchema } from './kind-schemas.js';

/** markersAt follows a dotted path of properties (`[]` steps into array items) and returns its x-kubernetes-* extensions. */
function markersAt(kind: string, definition: string, path: string): Record<string, unknown> {
  const all = kindSchemas(KINDS.find((k) => k.info.kind === kind)!);
  const deref = (s: JsonSchema | undefined): JsonSchema | undefined => {
    const target = (s?.['$ref'] ?? (s?.['allOf'] as JsonSchema[] | undefined)?.[0]?.['$ref']) as string | undefined;
    return target ? { ...all[target.slice(REF_PREFIX.length)], ...s } : s;
  };
  let s: JsonSchema | undefined = all[definition];
  for (const step of path.split('.')) {
    s = step === '[]' ? deref(s?.['items'] as JsonSchema) : deref((s?.['properties'] as Record<string, JsonSchema> | undefined)?.[step]);
  }
  return Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => k.startsWith('x-kubernetes-') && k !== 'x-kubernetes-group-version-kind'));
}

// What kube-apiserver 1.32 publishes for these fields (api/openapi-spec/v3), from their Go markers: no patch
// strategy where the Go field has no +patchStrategy, so a strategic merge patch replaces those lists.
const KUBE: [kind: string, definition: string, path: string, markers: Record<string, unknown>][] = [
  ['Pod', 'io.k8s.api.core.v1.PodSpec', 'nodeSelector', { 'x-kubernetes-map-type': 'atomic' }],
  ['Deployment', 'io.k8s.api.core.v1.PodSpec', 'nodeSelector', { 'x-kubernetes-map-type': 'atomic' }],
  ['Service', 'io.k8s.api.core.v1.Service', 'spec.selector', { 'x-kubernetes-map-type': 'atomic' }],
  ['Pod', 'io.k8s.api.core.v1.PodStatus', 'hostIPs', { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-patch-strategy': 'merge' }],
  ['CertificateSigningRequest', 'io.k8s.api.certificates.v1.CertificateSigningRequest', 'spec.groups', { 'x-kubernetes-list-type': 'atomic' }],
  ['CertificateSigningRequest', 'io.k8s.api.certificates.v1.CertificateSigningRequest', 'spec.usages', { 'x-kubernetes-list-type': 'atomic' }],
  ['CertificateSigningRequest', 'io.k8s.api.certificates.v1.CertificateSigningRequest', 'status.conditions', { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }],
  ['EndpointSlice', 'io.k8s.api.discovery.v1.EndpointSlice', 'endpoints.[].addresses', { 'x-kubernetes-list-type': 'set' }],
  ['Job', 'io.k8s.api.batch.v1.Job', 'spec.podFailurePolicy.rules.[].onExitCodes.values', { 'x-kubernetes-list-type': 'set' }],
  ['Job', 'io.k8s.api.batch.v1.Job', 'status.uncountedTerminatedPods.succeeded', { 'x-kubernetes-list-type': 'set' }],
  ['Job', 'io.k8s.api.batch.v1.Job', 'status.uncountedTerminatedPods.failed', { 'x-kubernetes-list-type': 'set' }],
  ['ServiceAccount', 'io.k8s.api.core.v1.ServiceAccount', 'secrets', { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' }],
  ['PersistentVolumeClaim', 'io.k8s.api.core.v1.PersistentVolumeClaim', 'status.conditions', { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge' }],
];

describe('published merge markers', () => {
  it.each(KUBE)('%s %s %s: as kube publishes them', (kind, definition, path, markers) => {
    expect(markersAt(kind, definition, path)).toEqual(markers);
  });
});
