/**
 * @module Docker test environment: decides whether Docker tests run, and cleans up after them.
 */
import { existsSync } from 'node:fs';
import { DockerClient } from './docker-client.js';
import { LABELS } from '../labels.js';

/** sleepForever is a container command that runs until SIGTERM and then exits 0 at once (sh alone ignores it as PID 1). */
export const sleepForever = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

/** DOCKER_SOCKET is the engine tests use (SKIFF_DOCKER_SOCKET or /var/run/docker.sock). */
export const DOCKER_SOCKET = process.env['SKIFF_DOCKER_SOCKET'] ?? '/var/run/docker.sock';

/**
 * dockerAvailable pings the engine. When it is unreachable, Docker tests skip, unless SKIFF_REQUIRE_DOCKER=1,
 * in which case this throws so the run fails instead of silently skipping.
 */
export async function dockerAvailable(): Promise<boolean> {
  let reason = `no socket at ${DOCKER_SOCKET}`;
  if (existsSync(DOCKER_SOCKET)) {
    const d = new DockerClient({ socketPath: DOCKER_SOCKET });
    try {
      await d.json({ method: 'GET', path: '/version', timeoutMs: 3000 });
      return true;
    } catch (err) {
      reason = (err as Error).message;
    } finally {
      await d.close();
    }
  }
  if (process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error(`SKIFF_REQUIRE_DOCKER=1 but Docker is unreachable: ${reason}`);
  return false;
}

/** removeNodeContainers force-removes every container and volume labelled with `node` (test cleanup). */
export async function removeNodeContainers(node: string): Promise<void> {
  const d = new DockerClient({ socketPath: DOCKER_SOCKET });
  try {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.node}=${node}`] }));
    const list = await d.json<Array<{ Id: string }>>({ method: 'GET', path: `/containers/json?all=1&filters=${filters}` });
    for (const c of list) await d.json({ method: 'DELETE', path: `/containers/${c.Id}?force=true&v=true` }).catch(() => undefined);
    const vols = await d.json<{ Volumes: Array<{ Name: string }> | null }>({ method: 'GET', path: `/volumes?filters=${filters}` });
    for (const v of vols.Volumes ?? []) await d.json({ method: 'DELETE', path: `/volumes/${v.Name}` }).catch(() => undefined);
  } finally {
    await d.close();
  }
}
