/**
 * @module hostPathExposesDockerSocket: whether a hostPath would hand a pod the container engine's socket, which is
 * root on the node (start a privileged container, mount /). The api-server refuses such pods whatever the
 * namespace's Pod Security level; the node agent checks again against the paths as its filesystem resolves them.
 */
import { posix } from 'node:path';

/** DOCKER_SOCKET_PATHS are where the Docker engine's socket lives (/var/run is a link to /run on most hosts). */
export const DOCKER_SOCKET_PATHS: readonly string[] = ['/var/run/docker.sock', '/run/docker.sock'];

/** normalizeHostPath makes a hostPath absolute and lexically clean: no `.`, `..`, doubled or trailing slashes. */
export function normalizeHostPath(path: string): string {
  const p = posix.normalize(posix.join('/', path));
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * hostPathExposesDockerSocket is true when `path` is a socket path or a directory above one (`/var/run`, `/run`,
 * `/var`, `/`): mounting a parent mounts the socket too. `sockets` lets the agent add the paths it resolved.
 */
export function hostPathExposesDockerSocket(path: string, sockets: readonly string[] = DOCKER_SOCKET_PATHS): boolean {
  const p = normalizeHostPath(path);
  return sockets.some((s) => {
    const sock = normalizeHostPath(s);
    return sock === p || sock.startsWith(p === '/' ? '/' : `${p}/`);
  });
}
