import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import type { DockerClient } from './docker-client.js';
import { dockerAvailable } from './docker-test-env.js';
import { podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';

const available = await dockerAvailable();
const NODE = `dcv-${Math.random().toString(36).slice(2, 8)}`;
const NS = { namespace: 'default' };

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => podOn(NODE, name, spec);
const getPod = (name: string): Promise<Pod> => client.pods.get(name, NS);

async function logOf(name: string, text: string): Promise<string> {
  return waitFor(async () => {
    const log = await client.pods.log(name, NS).catch(() => '');
    return log.includes(text) ? log : undefined;
  }, { ...DOCKER_WAIT, what: `"${text}" in the log of ${name}` });
}

async function mountsOf(p: Pod): Promise<Array<{ Type: string; Source: string; Destination: string; RW: boolean }>> {
  const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace('docker://', '');
  const c = await docker.json<{ Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean }> }>({ method: 'GET', path: `/containers/${id}/json` });
  return c.Mounts;
}

describe.skipIf(!available)('ConfigMaps and Secrets in pods on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('shows a ConfigMap key as a file and a Secret as an env var, follows ConfigMap edits, keeps Secret files on tmpfs', async () => {
    // The account the projected token is issued for (no serviceaccount controller runs here).
    await client.serviceaccounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, NS);
    await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { greeting: 'hello-v1' } }, NS);
    await client.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 's3cr3t-env', 'file.txt': 's3cr3t-file' } }, NS);
    await client.pods.create(
      pod('reader', {
        volumes: [
          { name: 'cfg', configMap: { name: 'app' } },
          { name: 'sec', secret: { secretName: 'creds', items: [{ key: 'file.txt', path: 'f.txt', mode: 0o400 }] } },
          { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { downwardAPI: { items: [{ path: 'podname', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
        ],
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'token', mountPath: '/var/run/secrets/skiff' },
            ],
            command: [
              'sh',
              '-c',
              'echo "env=$PASSWORD"; echo "sec=$(cat /etc/sec/f.txt) mode=$(stat -L -c %a /etc/sec/f.txt)"; test -s /var/run/secrets/skiff/token && echo token-exists; echo "pod=$(cat /var/run/secrets/skiff/podname)"; ' +
                'trap "exit 0" TERM; while true; do echo "cfg=$(cat /etc/cfg/greeting)"; sleep 0.3; done',
            ],
          },
        ],
      }),
      NS,
    );
    const log = await logOf('reader', 'cfg=hello-v1');
    expect(log).toContain('env=s3cr3t-env');
    expect(log).toContain('sec=s3cr3t-file mode=400');
    expect(log).toContain('token-exists');
    expect(log).toContain('pod=reader');

    const running = await getPod('reader');
    const mounts = await mountsOf(running);
    const sec = mounts.find((m) => m.Destination === '/etc/sec')!;
    expect(sec).toMatchObject({ Type: 'bind', RW: false });
    expect(sec.Source.startsWith('/dev/shm/')).toBe(true);
    expect(mounts.find((m) => m.Destination === '/etc/cfg')).toMatchObject({ Type: 'bind', RW: false });

    const cm = await client.configmaps.get('app', NS);
    await client.configmaps.update({ ...cm, data: { greeting: 'hello-v2' } }, NS);
    await logOf('reader', 'cfg=hello-v2');
    // The container kept running: the file changed under it.
    expect((await getPod('reader')).status?.containerStatuses?.[0]?.restartCount).toBe(0);

    await client.pods.delete('reader', { ...NS, gracePeriodSeconds: 1 });
    await waitFor(async () => ((await client.pods.list(NS)).items.some((p) => p.metadata.name === 'reader') ? undefined : true), { ...DOCKER_WAIT, what: 'reader gone' });
    await waitFor(() => !existsSync(sec.Source) || undefined, { ...DOCKER_WAIT, what: 'secret files removed' });
  }, 120_000);

  it('holds a pod waiting for a Secret in CreateContainerConfigError and starts it once the Secret exists', async () => {
    await client.pods.create(
      pod('waiter', {
        containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ secretRef: { name: 'later' }, prefix: 'L_' }], command: ['sh', '-c', 'echo "token=$L_TOKEN"; trap "exit 0" TERM; sleep 3600 & wait'] }],
      }),
      NS,
    );
    const waiting = await waitFor(async () => {
      const p = await getPod('waiter');
      const w = p.status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    }, DOCKER_WAIT);
    expect(waiting.message).toBe('secret "later" not found');
    const events = (await client.events.list(NS)).items.filter((e) => e.involvedObject.name === 'waiter');
    expect(events.map((e) => `${e.reason}: ${e.message}`)).toContain('Failed: Error: secret "later" not found');

    await client.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later' }, stringData: { TOKEN: 'arrived' } }, NS);
    await logOf('waiter', 'token=arrived');
  }, 120_000);
});
