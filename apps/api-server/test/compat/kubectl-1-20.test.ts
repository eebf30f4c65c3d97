import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { api, startServer, type RunningServer } from '../harness.js';
import { Kubectl } from './kubectl.js';
import { legacyKubectl } from './legacy-kubectl.js';

// kubectl 1.20 fetches /openapi/v2 as protobuf before every create and apply (validation is on by default) and
// for explain; without it those commands fail. CI has apt, so there a missing kubectl 1.20 is a failure.
const REQUIRED = process.env['SKIFF_REQUIRE_DOCKER'] === '1';

let s: RunningServer;
let k: Kubectl | undefined;
let unavailable = '';
beforeAll(async () => {
  const legacy = await legacyKubectl();
  if ('unavailable' in legacy) {
    if (REQUIRED) throw new Error(legacy.unavailable);
    unavailable = legacy.unavailable;
    return;
  }
  expect(legacy.version).toMatch(/^Client Version: v1\.20\./);
  s = await startServer({ storage: 'sqlite' });
  k = new Kubectl(s.url, legacy.path);
}, 240_000);
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, opts: { replicas?: number; image?: string; typo?: boolean } = {}): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}}`,
    'spec:',
    `  ${opts.typo ? 'replicass' : 'replicas'}: ${opts.replicas ?? 1}`,
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    '    spec:',
    '      containers:',
    `      - {name: c, image: "${opts.image ?? 'busybox:1.36'}", ports: [{containerPort: 80}]}`,
    '',
  ].join('\n');
}

/** kubectl runs kubectl 1.20 and fails the test with its stderr on a non-zero exit. */
const kubectl = (...args: string[]): Promise<string> => k!.output(args, 60_000);

describe('kubectl 1.20 (Debian kubernetes-client) with validation on', () => {
  it('gets, creates, applies, scales and deletes a deployment', async (ctx) => {
    if (!k) return ctx.skip(unavailable);
    expect(await kubectl('get', 'pods')).toBe('');

    expect(await kubectl('create', '-f', k.writeFile('web.yaml', deployment('web')))).toBe('deployment.apps/web created\n');
    expect((await api(s.url, 'GET', `${DEPLOYS}/web`)).body.spec.replicas).toBe(1);
    expect(await kubectl('get', 'deployments')).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/1\s/);

    const applied = await kubectl('apply', '-f', k.writeFile('web2.yaml', deployment('web', { replicas: 3, image: 'busybox:latest' })));
    expect(applied).toBe('deployment.apps/web configured\n');
    const after = (await api(s.url, 'GET', `${DEPLOYS}/web`)).body;
    expect(after.spec.replicas).toBe(3);
    expect(after.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'c', image: 'busybox:latest', ports: [{ containerPort: 80, protocol: 'TCP' }] })]);
    expect(after.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('busybox:latest');

    // apply -f of an object that does not exist yet creates it.
    expect(await kubectl('apply', '-f', k.writeFile('other.yaml', deployment('other')))).toBe('deployment.apps/other created\n');

    expect(await kubectl('scale', 'deployment', 'web', '--replicas=5')).toBe('deployment.apps/web scaled\n');
    expect((await api(s.url, 'GET', `${DEPLOYS}/web`)).body.spec.replicas).toBe(5);

    expect(await kubectl('delete', '-f', k.writeFile('both.yaml', `${deployment('web')}---\n${deployment('other')}`))).toBe(
      'deployment.apps "web" deleted\ndeployment.apps "other" deleted\n',
    );
    await waitFor(async () => (await api(s.url, 'GET', `${DEPLOYS}/web`)).status === 404, { timeoutMs: 10_000 });
  });

  it('refuses a misspelt field before sending anything, naming the field and its type', async (ctx) => {
    if (!k) return ctx.skip(unavailable);
    const r = await k.run(['create', '-f', k.writeFile('typo.yaml', deployment('typo', { typo: true }))], 60_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ValidationError(Deployment.spec): unknown field "replicass" in io.k8s.api.apps.v1.DeploymentSpec');
    expect((await api(s.url, 'GET', `${DEPLOYS}/typo`)).status).toBe(404);
  });

  it('explains fields from /openapi/v2', async (ctx) => {
    if (!k) return ctx.skip(unavailable);
    const out = await kubectl('explain', 'pod.spec.containers.ports');
    expect(out).toMatch(/RESOURCE: ports <\[\]Object>/);
    expect(out).toMatch(/List of ports to expose from the container/);
    expect(out).toMatch(/containerPort\s+<integer>\s+Number of port to expose/);
  });
});
