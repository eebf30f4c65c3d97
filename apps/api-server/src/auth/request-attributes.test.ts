import { describe, expect, it } from 'vitest';
import { requestAttributes } from './request-attributes.js';

const jane = { username: 'jane', groups: [] };
const attrs = (method: string, path: string, upgrade = false) => {
  const a = requestAttributes(jane, method, new URL(path, 'http://x'), upgrade);
  return { verb: a.verb, resourceRequest: a.resourceRequest, apiGroup: a.apiGroup, resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name };
};

describe('requestAttributes', () => {
  it('reads verb, group, resource, namespace, name and subresource as kube RequestInfoFactory does', () => {
    expect(attrs('GET', '/api/v1/namespaces/default/pods')).toEqual({ verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: '', namespace: 'default', name: '' });
    expect(attrs('GET', '/api/v1/namespaces/default/pods?watch=true')).toMatchObject({ verb: 'watch' });
    expect(attrs('GET', '/api/v1/watch/namespaces/default/pods')).toMatchObject({ verb: 'watch', resource: 'pods', namespace: 'default' });
    expect(attrs('GET', '/api/v1/namespaces/default/pods/web/log')).toMatchObject({ verb: 'get', resource: 'pods', name: 'web', subresource: 'log' });
    expect(attrs('PATCH', '/apis/apps/v1/namespaces/ns/deployments/web/scale')).toMatchObject({ verb: 'patch', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' });
    expect(attrs('DELETE', '/api/v1/namespaces/ns/pods')).toMatchObject({ verb: 'deletecollection' });
    expect(attrs('DELETE', '/api/v1/nodes/n1')).toMatchObject({ verb: 'delete', resource: 'nodes', name: 'n1', namespace: '' });
    expect(attrs('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles')).toMatchObject({ verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
  });

  it('treats /namespaces/NAME and its status and finalize as the namespace itself', () => {
    expect(attrs('GET', '/api/v1/namespaces/team')).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'team', namespace: 'team' });
    expect(attrs('PUT', '/api/v1/namespaces/team/finalize')).toMatchObject({ verb: 'update', resource: 'namespaces', name: 'team', subresource: 'finalize' });
  });

  it('authorizes a list narrowed to one name as that name (kubectl get pod web -w)', () => {
    expect(attrs('GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb&watch=1')).toMatchObject({ verb: 'watch', name: 'web' });
  });

  it('needs create for a WebSocket upgrade of exec, attach and portforward', () => {
    expect(attrs('GET', '/api/v1/namespaces/ns/pods/web/exec?command=sh', true)).toMatchObject({ verb: 'create', subresource: 'exec' });
    expect(attrs('GET', '/api/v1/namespaces/ns/pods?watch=1', true)).toMatchObject({ verb: 'watch' });
  });

  it('decodes escaped segments, and makes a path with a malformed escape a non-resource request', () => {
    expect(attrs('GET', '/api/v1/namespaces/a%2Db/pods/web%20x')).toMatchObject({ verb: 'get', namespace: 'a-b', resource: 'pods', name: 'web x' });
    expect(attrs('GET', '/%61pi/v1/nodes')).toMatchObject({ verb: 'list', resourceRequest: true, resource: 'nodes' });
    expect(attrs('POST', '/api/v1/namespaces/ns/pods/%zz')).toMatchObject({ verb: 'post', resourceRequest: false });
  });

  it('makes discovery and everything outside /api and /apis non-resource requests', () => {
    expect(attrs('GET', '/healthz')).toMatchObject({ verb: 'get', resourceRequest: false });
    expect(attrs('GET', '/apis/apps/v1')).toMatchObject({ resourceRequest: false });
    expect(attrs('GET', '/api')).toMatchObject({ resourceRequest: false });
  });
});
