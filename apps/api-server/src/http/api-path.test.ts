import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { parseApiPath } from './api-path.js';

describe('parseApiPath', () => {
  it('splits a resource path into namespace, resource, name and subresource', () => {
    expect(parseApiPath('/api/v1/namespaces/ns/pods/web/status')).toMatchObject({ group: '', version: 'v1', namespace: 'ns', name: 'web', subresource: 'status' });
    expect(parseApiPath('/apis/apps/v1//deployments')).toMatchObject({ group: 'apps', version: 'v1', info: { plural: 'deployments' } });
    expect(parseApiPath('/api/v1')).toEqual({ group: '', version: 'v1' });
    expect(parseApiPath('/api/v9/pods')).toBeUndefined();
    expect(parseApiPath('/api/v1/namespaces/ns/pods/web/nothing')).toBeUndefined();
  });

  it('decodes escaped segments and refuses a malformed escape with 400', () => {
    expect(parseApiPath('/api/v1/namespaces/a%2Db/pods/web%2Dx')).toMatchObject({ namespace: 'a-b', name: 'web-x' });
    let err: unknown;
    try {
      parseApiPath('/api/v1/namespaces/%zz/pods');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toBe('invalid URL escape "%zz"');
  });
});
