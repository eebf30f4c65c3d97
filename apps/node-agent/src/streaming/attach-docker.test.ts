import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../runtime/docker/docker-client.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { DOCKER_SOCKET, dockerAvailable, removeNodeContainers } from '../runtime/docker/docker-test-env.js';
import { LABELS } from '../runtime/labels.js';
import { openAttach } from './attach.js';

const NODE = `attach-${randomBytes(4).toString('hex')}`;
const available = await dockerAvailable();
const d = new DockerClient({ socketPath: DOCKER_SOCKET });
afterAll(async () => {
  await removeNodeContainers(NODE);
  await d.close();
});

describe.skipIf(!available)('attach with real Docker', () => {
  // dockerd takes an attach to a container that has exited and never ends it: kubectl run -i of a quick command
  // (its pod still Running in the API) hung instead of falling back to the logs.
  it('refuses a container that has exited, with the 409 the stream server answers as 400, instead of hanging', async () => {
    const { Id } = await d.json<{ Id: string }>({ method: 'POST', path: '/containers/create', body: { Image: 'busybox:1.36', Cmd: ['echo', 'hi'], Labels: { [LABELS.node]: NODE } } });
    await d.json({ method: 'POST', path: `/containers/${Id}/start` });
    await d.json({ method: 'POST', path: `/containers/${Id}/wait`, timeoutMs: 60_000 });
    const runtime = new DockerRuntime({ docker: d, nodeName: NODE });
    const q = new URLSearchParams({ stdout: 'true', stderr: 'true' });
    await expect(openAttach(runtime, Id, q)).rejects.toMatchObject({ status: 409, message: `container ${Id} is not running` });
  }, 60_000);
});
