import { describe, expect, it } from 'vitest';
import { ALL_VERBS, RESOURCE_LIST } from '@skiff/api';
import { apiResourceList } from './api-resource-list.js';

describe('apiResourceList', () => {
  it('lists every resource of RESOURCE_LIST in its group/version with scope, verbs, short names and categories', () => {
    for (const r of RESOURCE_LIST) {
      const list = apiResourceList(r.group, r.version);
      expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: r.apiVersion });
      const main = list?.resources.find((x) => x.name === r.plural);
      expect(main).toMatchObject({ singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: ALL_VERBS });
      expect(main?.shortNames ?? []).toEqual(r.shortNames);
      expect(main?.categories ?? []).toEqual(r.categories);
      expect(main?.storageVersionHash).toMatch(/^[A-Za-z0-9+/]{11}=$/);
      for (const s of r.subresources) {
        const sub = list?.resources.find((x) => x.name === `${r.plural}/${s.name}`);
        expect(sub).toMatchObject({ singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
      }
    }
  });

  it('serves the core group as in K8S-API.md', () => {
    const list = apiResourceList('', 'v1');
    const byName = new Map(list?.resources.map((r) => [r.name, r]));
    expect(byName.get('pods')).toEqual({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      storageVersionHash: expect.any(String),
    });
    expect(byName.get('pods/binding')).toEqual({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
    expect(byName.get('pods/log')).toEqual({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    expect(byName.get('pods/status')).toEqual({ name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(byName.get('nodes')).toMatchObject({ namespaced: false, shortNames: ['no'] });
    expect(byName.get('namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(byName.get('events')).toMatchObject({ namespaced: true, shortNames: ['ev'] });
  });

  it('orders each resource before its subresources', () => {
    const names = apiResourceList('', 'v1')?.resources.map((r) => r.name) ?? [];
    expect(names.slice(names.indexOf('pods'), names.indexOf('pods') + 9)).toEqual(['pods', 'pods/attach', 'pods/binding', 'pods/ephemeralcontainers', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/status']);
  });

  it('gives deployments/scale the autoscaling/v1 Scale kind', () => {
    const list = apiResourceList('apps', 'v1');
    expect(list?.resources.find((r) => r.name === 'deployments/scale')).toEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(list?.resources.find((r) => r.name === 'deployments/status')).not.toHaveProperty('group');
    expect(list?.resources.find((r) => r.name === 'deployments')).toMatchObject({ shortNames: ['deploy'], categories: ['all'] });
  });

  it('lists a kind in each version it is served in, with the storage version hash of the one it is stored in', () => {
    const v1 = apiResourceList('autoscaling', 'v1')?.resources;
    const v2 = apiResourceList('autoscaling', 'v2')?.resources;
    expect(v1?.map((r) => r.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    expect(v1?.[0]).toMatchObject({ kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], categories: ['all'] });
    expect(v1?.[1]).not.toHaveProperty('version');
    expect(v1?.[0]?.storageVersionHash).toBe(v2?.find((r) => r.name === 'horizontalpodautoscalers')?.storageVersionHash);
  });

  it('serves leases in coordination.k8s.io/v1 and nothing for unknown group/versions', () => {
    expect(apiResourceList('coordination.k8s.io', 'v1')?.resources.map((r) => [r.name, r.namespaced])).toEqual([['leases', true]]);
    expect(apiResourceList('apps', 'v2')).toBeUndefined();
    expect(apiResourceList('autoscaling', 'v3')).toBeUndefined();
    expect(apiResourceList('', 'v2')).toBeUndefined();
  });
});
