import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { dockerAvailable } from './docker-test-env.js';
import { podOn, startDockerAgent, DOCKER_WAIT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { waitFor } from '@skiff/testing';

const available = await dockerAvailable();
const NODE = `dl-${Math.random().toString(36).slice(2, 8)}`;
let fixture: DockerAgent;

describe.skipIf(!available)('pods/log errors from a real node agent reach clients as Status bodies', () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    const pod = podOn(NODE, 'log-err', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello; trap "exit 0" TERM; sleep 3600 & wait'] }] });
    await fixture.client.pods.create(pod);
    await waitFor(async () => {
      const p: Pod = await fixture.client.pods.get('log-err', { namespace: 'default' });
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, DOCKER_WAIT);
  }, 60_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  const log = (query: string) => fetch(`${fixture.api.url}/api/v1/namespaces/default/pods/log-err/log?container=c&${query}`);

  it('the agent has no previous instance (previous=True): 400 BadRequest Status with its message', async () => {
    const r = await log('previous=True');
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await r.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'BadRequest',
      code: 400,
      message: 'previous terminated container "c" in pod "log-err" not found',
    });
  });

  it('a negative tailLines is 422 Invalid before the agent is asked; a valid one reaches it', async () => {
    const bad = await log('tailLines=-1');
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'tailLines' }] } });
    const good = await waitFor(async () => {
      const r = await log('tailLines=1&timestamps=True');
      const text = await r.text();
      return r.status === 200 && text.includes('hello') ? text : undefined;
    }, DOCKER_WAIT);
    expect(good).toMatch(/^\S+ hello\n$/);
  });
});
