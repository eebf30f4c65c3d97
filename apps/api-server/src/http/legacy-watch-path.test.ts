import { describe, expect, it } from 'vitest';
import { legacyWatchPath } from './legacy-watch-path.js';

describe('legacyWatchPath', () => {
  it('rewrites collection and single-object watch paths in the core and named groups', () => {
    expect(legacyWatchPath('/api/v1/watch/pods')).toBe('/api/v1/pods?watch=true');
    expect(legacyWatchPath('/api/v1/watch/namespaces/web/pods?resourceVersion=5')).toBe('/api/v1/namespaces/web/pods?resourceVersion=5&watch=true');
    expect(legacyWatchPath('/api/v1/watch/namespaces/web/pods/p1')).toBe('/api/v1/namespaces/web/pods?watch=true&fieldSelector=metadata.name%3Dp1');
    expect(legacyWatchPath('/api/v1/watch/namespaces/web')).toBe('/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Dweb');
    expect(legacyWatchPath('/api/v1/watch/nodes/n1?fieldSelector=spec.unschedulable%3Dfalse')).toBe('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse%2Cmetadata.name%3Dn1&watch=true');
    expect(legacyWatchPath('/apis/apps/v1/watch/namespaces/web/deployments')).toBe('/apis/apps/v1/namespaces/web/deployments?watch=true');
  });

  it('leaves every other path alone', () => {
    expect(legacyWatchPath('/api/v1/namespaces/web/pods?watch=true')).toBeUndefined();
    expect(legacyWatchPath('/api/v1/watch')).toBeUndefined();
    expect(legacyWatchPath('/apis/apps/v1/namespaces/watch/pods')).toBeUndefined();
    expect(legacyWatchPath('/api/v1/watch/namespaces/web/pods/%zz')).toBeUndefined();
  });
});
