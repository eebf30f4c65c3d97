import { describe, expect, it } from 'vitest';
import { SERVED_RESOURCES } from '@skiff/api';
import { apiGroupList } from './api-group-list.js';
import { apiResourceList } from './api-resource-list.js';
import { apiVersions } from './api-versions.js';
import { versionInfo } from './version-info.js';

describe('versionInfo', () => {
  it('reports Kubernetes 1.32 so the kubectl dispatcher picks kubectl 1.32', () => {
    const v = versionInfo();
    expect(v).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', gitTreeState: 'clean' });
    for (const key of ['gitCommit', 'buildDate', 'goVersion', 'compiler', 'platform'] as const) expect(v[key]).not.toBe('');
  });
});

describe('apiVersions', () => {
  it('lists v1 and the server address', () => {
    expect(apiVersions('127.0.0.1:6443')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
    });
  });
});

describe('apiGroupList', () => {
  it('lists each named group once with its preferred version (apps/v1, batch/v1, coordination.k8s.io/v1, discovery.k8s.io/v1, ...)', () => {
    const list = apiGroupList();
    expect(list).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    const group = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
    expect(list.groups).toEqual(expect.arrayContaining([group('apps'), group('batch'), group('coordination.k8s.io'), group('discovery.k8s.io')]));
    expect(new Set(list.groups.map((g) => g.name)).size).toBe(list.groups.length);
  });

  it('lists exactly the groups with a served resource list, so kubectl never hits a 404 group', () => {
    // metrics.k8s.io is served by the api-server itself, from the node agents (no stored resource).
    const named = new Set([...SERVED_RESOURCES.filter((r) => r.group).map((r) => r.group), 'metrics.k8s.io']);
    const groups = apiGroupList().groups;
    expect(groups.map((g) => g.name).sort()).toEqual([...named].sort());
    for (const g of groups) for (const v of g.versions) expect(apiResourceList(g.name, v.version)).toBeDefined();
  });
});
