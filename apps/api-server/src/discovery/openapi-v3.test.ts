import { describe, expect, it } from 'vitest';
import { definitionName, KINDS, SERVED_KINDS } from '@skiff/api';
import { openapiV2 } from './openapi-v2.js';
import { encodeOpenapiV2Protobuf } from './openapi-v2-protobuf.js';
import { groupVersionKey, openapiV3GroupVersion } from './openapi-v3-group-version.js';
import { openapiV3Root } from './openapi-v3-root.js';

type Op = { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }; parameters?: { name: string; in: string }[] };
type Schema = Record<string, any>;
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Schema> } };

/** refsOf lists every $ref under a value. */
function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

/** field resolves a dotted path of properties through $ref, allOf and array items, as kubectl explain walks it. */
function field(doc: Doc, root: string, path: string[]): Schema {
  const deref = (x: Schema): Schema => {
    const ref = x['$ref'] ?? x['allOf']?.[0]?.['$ref'];
    return ref ? deref(doc.components.schemas[ref.replace('#/components/schemas/', '')]!) : x;
  };
  let s: Schema = { $ref: `#/components/schemas/${root}` };
  for (const name of path) {
    let t = deref(s);
    if (t['type'] === 'array') t = deref(t['items']);
    const prop = t['properties']?.[name];
    if (!prop) throw new Error(`no field ${name} in ${root}`);
    s = prop;
  }
  return { ...deref(s), ...s, ...(s['type'] === 'array' && { items: deref(s['items']) }) };
}

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
    const served = new Set(SERVED_KINDS.map(({ info: r }) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)));
    expect(Object.keys(root.paths).sort()).toEqual([...served].sort());
    expect(Object.keys(root.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/autoscaling/v2', 'apis/autoscaling/v1']));
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
  it('has a fieldValidation-capable PATCH for every served kind, in every version it is served in', () => {
    for (const { info: r } of SERVED_KINDS) {
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

  it('describes a kind in each version it is served in: autoscaling/v1 HorizontalPodAutoscaler has its own schema', () => {
    const doc = openapiV3GroupVersion('apis/autoscaling/v1') as Doc;
    const hpa = doc.components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler']!;
    expect(hpa['x-kubernetes-group-version-kind']).toEqual([{ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' }]);
    expect(hpa['properties'].spec.properties.targetCPUUtilizationPercentage).toEqual({ type: 'integer', format: 'int32' });
    expect(hpa['properties'].spec.properties.metrics).toBeUndefined();
    expect(Object.keys(doc.paths)).toContain('/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}/status');
    expect((openapiV3GroupVersion('apis/autoscaling/v2') as Doc).components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler']).toBeUndefined();
  });

  it('is undefined for group/versions we do not serve', () => {
    expect(openapiV3GroupVersion('apis/autoscaling/v3')).toBeUndefined();
    expect(openapiV3GroupVersion('api/v2')).toBeUndefined();
  });
});

describe('OpenAPI v3 schemas', () => {
  it('gives every kind in KINDS, and its List, a schema tagged with its group/version/kind in its group/version document', () => {
    for (const kind of KINDS) {
      const { info } = kind;
      const doc = openapiV3GroupVersion(groupVersionKey(info.group, info.version)) as Doc;
      const name = definitionName(info.group, info.version, info.kind);
      const gvk = { group: info.group, version: info.version, kind: info.kind };
      expect(doc.components.schemas[name]?.['x-kubernetes-group-version-kind'], name).toEqual([gvk]);
      expect(doc.components.schemas[`${name}List`]?.['x-kubernetes-group-version-kind'], `${name}List`).toEqual([{ ...gvk, kind: `${info.kind}List` }]);
      expect(doc.components.schemas[`${name}List`]?.['properties']?.['items']?.['items']).toEqual({ $ref: `#/components/schemas/${name}` });
      // Every field of the kind's zod schema is published (an unknown field would be a client-side typo error).
      expect(Object.keys(doc.components.schemas[name]?.['properties'] ?? {}).sort()).toEqual(Object.keys((kind.schema as unknown as { shape: object }).shape).sort());
    }
  });

  it('resolves every $ref inside the document that holds it', () => {
    for (const key of Object.keys(openapiV3Root().paths)) {
      const doc = openapiV3GroupVersion(key) as Doc;
      for (const ref of refsOf(doc)) expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${key}: ${ref}`).toBeDefined();
    }
  });

  it('names types as Kubernetes does and publishes merge keys and list types where Kubernetes has them', () => {
    const core = openapiV3GroupVersion('api/v1') as Doc;
    expect(Object.keys(core.components.schemas)).toEqual(
      expect.arrayContaining(['io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodList', 'io.k8s.api.core.v1.Container', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta']),
    );
    const containers = field(core, 'io.k8s.api.core.v1.Pod', ['spec', 'containers']);
    expect(containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    const ports = field(core, 'io.k8s.api.core.v1.Pod', ['spec', 'containers', 'ports']);
    expect(ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'], 'x-kubernetes-list-type': 'map' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['spec', 'containers', 'env'])).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['spec', 'volumes'])).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['status', 'conditions'])).toMatchObject({ 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['metadata', 'finalizers'])).toMatchObject({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['metadata', 'ownerReferences'])).toMatchObject({ 'x-kubernetes-patch-merge-key': 'uid' });
  });

  it('documents the fields kubectl explain prints, with Kubernetes types for integers, int-or-string and quantities', () => {
    const core = openapiV3GroupVersion('api/v1') as Doc;
    const port = field(core, 'io.k8s.api.core.v1.Pod', ['spec', 'containers', 'ports'])['items'];
    expect(port['properties']['containerPort']).toMatchObject({ type: 'integer', format: 'int32', description: expect.stringMatching(/^Number of port to expose/) });
    expect(port['properties']['containerPort']).not.toHaveProperty('default');
    expect(port['properties']['protocol']).toMatchObject({ type: 'string', default: 'TCP' });
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['metadata', 'labels'])['description']).toMatch(/^Map of string keys and values/);
    expect(field(core, 'io.k8s.api.core.v1.Pod', ['apiVersion'])).toEqual({ type: 'string', description: expect.stringMatching(/^APIVersion defines/) });
    expect(core.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ type: 'string' });
    const apps = openapiV3GroupVersion('apis/apps/v1') as Doc;
    expect(field(apps, 'io.k8s.api.apps.v1.Deployment', ['spec', 'strategy', 'rollingUpdate', 'maxSurge'])).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(field(apps, 'io.k8s.api.apps.v1.Deployment', ['spec', 'replicas'])).toMatchObject({ type: 'integer', format: 'int32', description: expect.stringMatching(/^Number of desired pods/) });
    expect(JSON.stringify(apps)).not.toMatch(/"anyOf"|"oneOf"/);
  });
});

describe('openapiV2', () => {
  it('holds every kind of every group/version with Swagger refs and no v3-only keywords', () => {
    const doc = openapiV2() as { swagger: string; definitions: Record<string, Schema>; paths: Record<string, Record<string, any>> };
    expect(doc.swagger).toBe('2.0');
    for (const { info } of KINDS) {
      const name = definitionName(info.group, info.version, info.kind);
      expect(doc.definitions[name]?.['x-kubernetes-group-version-kind'], name).toEqual([{ group: info.group, version: info.version, kind: info.kind }]);
    }
    for (const ref of refsOf(doc)) {
      expect(ref).toMatch(/^#\/definitions\//);
      expect(doc.definitions[ref.slice('#/definitions/'.length)], ref).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toMatch(/"allOf"|"anyOf"|"requestBody"|"content"/);
    // kubectl's v2 parser ignores allOf: a described ref is a $ref with the description beside it.
    expect(doc.definitions['io.k8s.api.core.v1.Pod']?.['properties']['spec']).toEqual({ description: expect.stringMatching(/^Specification of the desired behavior/), $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' });
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.['patch'];
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods']?.['post'].parameters[0]).toMatchObject({ in: 'body', schema: { $ref: '#/definitions/io.k8s.api.core.v1.Pod' } });
  });

  it('encodes as a gnostic protobuf Document without losing a schema keyword', () => {
    const pb = encodeOpenapiV2Protobuf(openapiV2());
    // Field 1 (swagger) is the first thing written: tag 0x0a, length 3, "2.0".
    expect([...pb.subarray(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
    expect(pb.includes(Buffer.from('io.k8s.api.core.v1.PodSpec'))).toBe(true);
    expect(() => encodeOpenapiV2Protobuf({ swagger: '2.0', info: {}, paths: {}, definitions: { X: { oneOf: [] } } })).toThrow(/unsupported schema keyword oneOf/);
  });
});
