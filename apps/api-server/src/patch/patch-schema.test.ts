import { describe, expect, it } from 'vitest';
import { KINDS } from '@skiff/api';
import { patchSchemaFor, patchSchemaOfKind } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

describe('patch schemas derived from the published OpenAPI schemas', () => {
  it('gives every kind in KINDS the ObjectMeta list rules', () => {
    for (const kind of KINDS) {
      const meta = patchSchemaOfKind(kind).fields['metadata']?.schema?.fields;
      expect(meta?.['ownerReferences']?.list, kind.info.kind).toEqual({ kind: 'map', keys: ['uid'] });
      expect(meta?.['finalizers']?.list, kind.info.kind).toEqual({ kind: 'set' });
    }
  });

  it('merges pod containers by name, ports by containerPort and protocol (TCP when unset), env by name', () => {
    const spec = patchSchemaFor('Pod').fields['spec']?.schema?.fields;
    expect(spec?.['containers']?.list).toEqual({ kind: 'map', keys: ['name'] });
    expect(spec?.['volumes']?.list).toEqual({ kind: 'map', keys: ['name'] });
    const container = spec?.['containers']?.schema?.fields;
    expect(container?.['ports']?.list).toEqual({ kind: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } });
    expect(container?.['env']?.list).toEqual({ kind: 'map', keys: ['name'] });
    expect(container?.['volumeMounts']?.list).toEqual({ kind: 'map', keys: ['mountPath'] });
    expect(patchSchemaFor('Pod').fields['status']?.schema?.fields['conditions']?.list).toEqual({ kind: 'map', keys: ['type'] });
  });

  it('reaches the pod template inside workloads and node lists', () => {
    const template = patchSchemaFor('Deployment').fields['spec']?.schema?.fields['template']?.schema?.fields;
    expect(template?.['spec']?.schema?.fields['containers']?.list).toEqual({ kind: 'map', keys: ['name'] });
    expect(patchSchemaFor('ReplicaSet').fields['status']?.schema?.fields['conditions']?.list).toEqual({ kind: 'map', keys: ['type'] });
    expect(patchSchemaFor('Node').fields['spec']?.schema?.fields['podCIDRs']?.list).toEqual({ kind: 'set' });
    expect(patchSchemaFor('Node').fields['status']?.schema?.fields['addresses']?.list).toEqual({ kind: 'map', keys: ['type'] });
  });

  it('merges Service ports by port and protocol (TCP when unset) and keeps EndpointSlice lists atomic, as k8s.io/api marks them', () => {
    expect(patchSchemaFor('Service').fields['spec']?.schema?.fields['ports']?.list).toEqual({ kind: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } });
    expect(patchSchemaFor('Service').fields['status']?.schema?.fields['conditions']?.list).toEqual({ kind: 'map', keys: ['type'] });
    expect(patchSchemaFor('EndpointSlice').fields['endpoints']?.list).toBeUndefined();
    expect(patchSchemaFor('EndpointSlice').fields['ports']?.list).toBeUndefined();
    // kubectl patch svc adding a UDP port on the same number keeps the TCP one, and one naming 80 without protocol edits it.
    const svc = { spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } };
    expect(applyStrategicMergePatch(svc, { spec: { ports: [{ name: 'dns', port: 80, protocol: 'UDP' }] } }, 'Service')).toEqual({
      spec: { ports: [{ name: 'dns', port: 80, protocol: 'UDP' }, { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
    });
    expect(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service')).toEqual({
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 9090 }] },
    });
  });

  it('falls back to ObjectMeta rules for a kind served only as a subresource (Scale)', () => {
    expect(patchSchemaFor('Scale')).toEqual({ fields: { metadata: { schema: patchSchemaFor('Pod').fields['metadata']!.schema } } });
  });
});
