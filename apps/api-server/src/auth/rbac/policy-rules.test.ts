import { describe, expect, it } from 'vitest';
import type { Attributes } from '../authorizer.js';
import { appliesTo, describeRules, ruleAllows, uncoveredRules } from './policy-rules.js';

const user = { username: 'jane', groups: ['devs', 'system:authenticated'] };
const res = (verb: string, apiGroup: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup,
  apiVersion: 'v1',
  resource,
  subresource: '',
  namespace: 'ns',
  name: '',
  path: '',
  ...extra,
});
const url = (verb: string, path: string): Attributes => ({ ...res(verb, '', ''), resourceRequest: false, path });

describe('ruleAllows (kube RuleAllows)', () => {
  it('matches verbs, groups and resources with *, and subresources only as written or as */sub', () => {
    expect(ruleAllows(res('get', '', 'pods'), { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(true);
    expect(ruleAllows(res('delete', 'apps', 'deployments'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(true);
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(false);
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] })).toBe(true);
    expect(ruleAllows(res('update', 'apps', 'deployments', { subresource: 'scale' }), { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] })).toBe(true);
    expect(ruleAllows(res('update', 'apps', 'deployments', { subresource: 'status' }), { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] })).toBe(false);
    expect(ruleAllows(res('get', 'apps', 'pods'), { verbs: ['get'], apiGroups: [''], resources: ['pods'] })).toBe(false);
  });

  it('limits to resourceNames when given, and never lets a named rule cover a list', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] };
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'app' }), rule)).toBe(true);
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'other' }), rule)).toBe(false);
    expect(ruleAllows(res('list', '', 'configmaps'), rule)).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing * prefix', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(url('get', '/healthz'), rule)).toBe(true);
    expect(ruleAllows(url('get', '/healthz/ping'), rule)).toBe(false);
    expect(ruleAllows(url('get', '/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(url('post', '/healthz'), rule)).toBe(false);
    expect(ruleAllows(res('get', '', 'pods'), rule)).toBe(false);
  });
});

describe('appliesTo', () => {
  it('matches users by name, groups by membership and ServiceAccounts by their user name', () => {
    expect(appliesTo(user, { kind: 'User', name: 'jane' }, '')).toBe(true);
    expect(appliesTo(user, { kind: 'Group', name: 'devs' }, '')).toBe(true);
    expect(appliesTo(user, { kind: 'Group', name: 'jane' }, '')).toBe(false);
    const sa = { username: 'system:serviceaccount:team:robot', groups: [] };
    expect(appliesTo(sa, { kind: 'ServiceAccount', name: 'robot', namespace: 'team' }, '')).toBe(true);
    expect(appliesTo(sa, { kind: 'ServiceAccount', name: 'robot' }, 'team')).toBe(true);
    expect(appliesTo(sa, { kind: 'ServiceAccount', name: 'robot' }, '')).toBe(false);
    expect(appliesTo(sa, { kind: 'User', name: 'robot' }, 'team')).toBe(false);
  });
});

describe('uncoveredRules (kube Covers) and describeRules', () => {
  it('finds the parts of a rule the owner does not hold and words them as kube does', () => {
    const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] }, { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }];
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }])).toEqual([]);
    const missing = uncoveredRules(owner, [{ verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
    expect(describeRules(missing)).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "watch"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "watch"]}']);
    expect(uncoveredRules([{ verbs: ['get'], apiGroups: [''], resources: ['cm'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['cm'] }])).toHaveLength(1);
    expect(describeRules(uncoveredRules([], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]))).toEqual(['{NonResourceURLs:["/metrics"], Verbs:["get"]}']);
  });
});
