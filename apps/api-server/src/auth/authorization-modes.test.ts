import { describe, expect, it } from 'vitest';
import { ALLOW, NO_OPINION, type Attributes } from './authorizer.js';
import { modeAuthorizer, parseAuthorizationModes } from './authorization-modes.js';

const attrs = (groups: string[]): Attributes => ({ user: { username: 'u', groups }, verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: '/x' });

describe('--authorization-mode', () => {
  it('parses kube mode names in order and refuses unknown or repeated ones', () => {
    expect(parseAuthorizationModes('Node,RBAC')).toEqual(['Node', 'RBAC']);
    expect(() => parseAuthorizationModes('RBAC,ABAC')).toThrow('--authorization-mode: unknown mode "ABAC"');
    expect(() => parseAuthorizationModes('RBAC,RBAC')).toThrow('names a mode twice');
    expect(() => parseAuthorizationModes('')).toThrow('at least one mode');
  });

  it('allows system:masters first, then asks each built mode in order', () => {
    const rbac = { authorize: (a: Attributes) => (a.user.groups.includes('devs') ? ALLOW : NO_OPINION) };
    const authz = modeAuthorizer(['Node', 'RBAC'], { RBAC: rbac });
    expect(authz.authorize(attrs(['system:masters'])).decision).toBe('allow');
    expect(authz.authorize(attrs(['devs'])).decision).toBe('allow');
    expect(authz.authorize(attrs([])).decision).toBe('noOpinion');
    expect(modeAuthorizer(['AlwaysDeny', 'RBAC'], { RBAC: rbac }).authorize(attrs(['devs'])).decision).toBe('deny');
  });
});
