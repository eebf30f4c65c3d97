import { describe, expect, it } from 'vitest';
import { hostPathExposesDockerSocket, normalizeHostPath } from './docker-socket-path.js';

describe('hostPathExposesDockerSocket', () => {
  it.each(['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/var/run/', '/run', '/var', '/', '//var//run', '/var/run/../run/docker.sock', '/tmp/../var/run', 'var/run/docker.sock'])(
    'refuses %s',
    (p) => expect(hostPathExposesDockerSocket(p)).toBe(true),
  );
  it.each(['/tmp', '/var/lib/data', '/run/docker.sock.d', '/var/runner', '/data/var/run/docker.sock'])('allows %s', (p) => expect(hostPathExposesDockerSocket(p)).toBe(false));
  it('checks extra resolved socket paths', () => {
    expect(hostPathExposesDockerSocket('/srv/engine', ['/srv/engine/docker.sock'])).toBe(true);
  });
  it('normalizes', () => expect(normalizeHostPath('/a/./b/../c/')).toBe('/a/c'));
});
