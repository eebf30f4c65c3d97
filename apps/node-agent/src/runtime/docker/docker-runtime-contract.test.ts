import { afterAll, describe } from 'vitest';
import { runRuntimeContract } from '../runtime.case.test.js';
import { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { DOCKER_SOCKET, dockerAvailable, removeNodeContainers } from './docker-test-env.js';

const available = await dockerAvailable();

describe.runIf(available)('DockerRuntime against a real engine', () => {
  const docker = new DockerClient({ socketPath: DOCKER_SOCKET });
  afterAll(() => docker.close());
  runRuntimeContract('DockerRuntime', {
    image: 'busybox:1.36',
    missingImage: `skiff-missing-${Math.random().toString(36).slice(2, 8)}:1`,
    make: (nodeName) => ({ runtime: new DockerRuntime({ docker, nodeName }), settle: () => undefined }),
    unstartable: () => ['/no-such-binary'],
    cleanup: removeNodeContainers,
  });
});
