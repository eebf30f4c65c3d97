import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import { podOn, startDockerAgent, DOCKER_WAIT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { dockerAvailable } from './docker-test-env.js';

const available = await dockerAvailable();
const NODE = `dns-${Math.random().toString(36).slice(2, 8)}`;

let fixture: DockerAgent;
let client: Clientset;

/** resolvConf starts a pod that prints its resolv.conf and returns what it printed. */
async function resolvConf(name: string, spec: Partial<Pod['spec']> = {}): Promise<string> {
  await client.pods.create(podOn(NODE, name, { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'cat /etc/resolv.conf; echo END'] }], ...spec }));
  return waitFor(async () => {
    const log = await client.pods.log(name, { namespace: 'default', container: 'c' }).catch(() => '');
    return log.includes('END') ? log : undefined;
  }, DOCKER_WAIT);
}

describe.skipIf(!available)('pod DNS on a real Docker engine', () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE, { clusterDNS: { servers: ['10.244.128.10'], domain: 'cluster.local' } });
    ({ client } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('gives a ClusterFirst pod the cluster DNS server, its namespace search path and ndots:5', async () => {
    const conf = await resolvConf('first');
    expect(conf).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    expect(conf).toMatch(/^nameserver 10\.244\.128\.10$/m);
    expect(conf).toMatch(/^options ndots:5$/m);
  });

  it('leaves a dnsPolicy Default pod on the node resolver', async () => {
    const conf = await resolvConf('default-policy', { dnsPolicy: 'Default' });
    expect(conf).not.toContain('svc.cluster.local');
    expect(conf).not.toContain('10.244.128.10');
  });
});
