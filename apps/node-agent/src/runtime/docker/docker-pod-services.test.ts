import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import { podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { dockerAvailable } from './docker-test-env.js';

const available = await dockerAvailable();
const NODE = `dns-${Math.random().toString(36).slice(2, 8)}`;

let fixture: DockerAgent;
let client: Clientset;

/** output starts a pod that runs `script` and returns what it printed. */
async function output(name: string, script: string, spec: Partial<Pod['spec']> = {}): Promise<string> {
  await client.pods.create(podOn(NODE, name, { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', `${script}; echo END`] }], ...spec }));
  return waitFor(async () => {
    const log = await client.pods.log(name, { namespace: 'default', container: 'c' }).catch(() => '');
    return log.includes('END') ? log : undefined;
  }, DOCKER_WAIT);
}

describe.skipIf(!available)('pod DNS and Service variables on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE, { clusterDNS: { servers: ['10.244.128.10'], domain: 'cluster.local' } });
    ({ client } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('gives a ClusterFirst pod the cluster DNS server, its namespace search path and ndots:5', async () => {
    const conf = await output('first', 'cat /etc/resolv.conf');
    expect(conf).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    expect(conf).toMatch(/^nameserver 10\.244\.128\.10$/m);
    expect(conf).toMatch(/^options ndots:5$/m);
  });

  it('leaves a dnsPolicy Default pod on the node resolver', async () => {
    const conf = await output('default-policy', 'cat /etc/resolv.conf', { dnsPolicy: 'Default' });
    expect(conf).not.toContain('svc.cluster.local');
    expect(conf).not.toContain('10.244.128.10');
  });

  it('gives containers the variables of the Services that exist when they start, and lets env refer to them', async () => {
    const web = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-api', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
    const kubernetes = await client.services.get('kubernetes', { namespace: 'default' });
    // The agent reads Services from its watch: wait until a pod would see the new one.
    const env = await waitFor(async () => {
      const name = `env-${Math.random().toString(36).slice(2, 6)}`;
      const text = await output(name, 'env | sort', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'env | sort; echo END'], env: [{ name: 'WEB_URL', value: 'http://$(WEB_API_SERVICE_HOST):$(WEB_API_SERVICE_PORT)' }] }] });
      return text.includes('WEB_API_SERVICE_HOST') ? text : undefined;
    }, DOCKER_WAIT);
    expect(env).toContain(`KUBERNETES_SERVICE_HOST=${kubernetes.spec?.clusterIP}`);
    expect(env).toContain('KUBERNETES_SERVICE_PORT=443');
    expect(env).toContain(`WEB_API_SERVICE_HOST=${web.spec?.clusterIP}`);
    expect(env).toContain('WEB_API_SERVICE_PORT_HTTP=80');
    expect(env).toContain(`WEB_URL=http://${web.spec?.clusterIP}:80`);
  });
});
