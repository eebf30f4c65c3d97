import { describe, expect, it } from 'vitest';
import { RESOURCE_LIST } from '@skiff/api';
import { openapiV3GroupVersion } from './openapi-v3-group-version.js';
import { openapiV3Root } from './openapi-v3-root.js';

type Op = { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }; parameters?: { name: string; in: string }[] };
type Doc = { openapi: string; paths: Record<string, Record<string, Op>> };

/** The check kubectl's queryParamVerifierV3 makes: the first PATCH op tagged with the GVK has fieldValidation. */
function supportsFieldValidation(doc: Doc, gvk: { group: string; version: string; kind: string }): boolean {
  for (const path of Object.values(doc.paths)) {
    const op = path['patch'];
    const tag = op?.['x-kubernetes-group-version-kind'];
    if (!op || !tag || tag.group !== gvk.group || tag.version !== gvk.version || tag.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p) => p.name === 'fieldValidation');
  }
  return false;
}

describe('openapiV3Root', () => {
  it('points at one document per served group/version with a content hash', () => {
    const root = openapiV3Root();
    expect(Object.keys(root.paths).sort()).toEqual(['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1']);
    for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
      expect(serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${key.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
    }
  });

  it('is stable across calls and differs between documents', () => {
    const a = openapiV3Root();
    expect(openapiV3Root()).toEqual(a);
    const hashes = Object.values(a.paths).map((p) => p.serverRelativeURL.split('hash=')[1]);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('openapiV3GroupVersion', () => {
  it('has a fieldValidation-capable PATCH for every served kind', () => {
    for (const r of RESOURCE_LIST) {
      const doc = openapiV3GroupVersion(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`) as Doc;
      expect(doc.openapi).toBe('3.0.0');
      expect(supportsFieldValidation(doc, { group: r.group, version: r.version, kind: r.kind })).toBe(true);
    }
  });

  it('uses namespaced item paths for namespaced kinds and cluster paths otherwise', () => {
    const core = openapiV3GroupVersion('api/v1') as Doc;
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.['patch']?.['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      version: 'v1',
      kind: 'Pod',
    });
    expect(core.paths['/api/v1/nodes/{name}']?.['patch']).toBeDefined();
    expect(core.paths['/api/v1/namespaces/{namespace}/nodes/{name}']).toBeUndefined();
    const post = core.paths['/api/v1/namespaces/{namespace}/pods']?.['post'];
    expect(post?.['x-kubernetes-group-version-kind']?.kind).toBe('Pod');
    expect(post?.parameters?.map((p) => p.name)).toContain('fieldValidation');
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.['put']?.parameters?.map((p) => p.name)).toContain('fieldValidation');
  });

  it('describes deployments/scale as autoscaling/v1 Scale', () => {
    const apps = openapiV3GroupVersion('/apis/apps/v1') as Doc;
    expect(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.['patch']?.['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
  });

  it('is undefined for group/versions we do not serve', () => {
    expect(openapiV3GroupVersion('apis/autoscaling/v1')).toBeUndefined();
    expect(openapiV3GroupVersion('api/v2')).toBeUndefined();
  });
});
