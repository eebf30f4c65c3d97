import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type Clientset } from '@skiff/client';
import { freePort, startServer, type RunningServer } from '@skiff/api-server/testing';
import { FLAGS } from './agent-config.js';
import { agentEndpoint, spawnAgent, type SpawnedAgent } from './__tests__/spawned-agent.js';
import { waitFor } from '@skiff/testing';

// The built node agent process (dist/main.js): build first.

let server: RunningServer;
let client: Clientset;
const agents: SpawnedAgent[] = [];
const suffix = Math.random().toString(36).slice(2, 8);

beforeEach(async () => {
  server = await startServer();
  client = createClient({ server: server.url });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  await client.close();
  await server.close();
});

function start(args: string[]): SpawnedAgent {
  const a = spawnAgent(['--server', server.url, '--log-level', 'warn', ...args]);
  agents.push(a);
  return a;
}

describe('node-agent --help', () => {
  it('prints every flag with its environment variable and default, and exits 0', async () => {
    const a = spawnAgent(['--help']);
    agents.push(a);
    expect(await a.exited).toBe(0);
    const out = a.output();
    expect(out).toMatch(/^Usage: node apps\/node-agent\/dist\/main\.js \[flags\]/);
    for (const [flag, d] of Object.entries(FLAGS)) {
      const line = out.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `));
      expect(line, `--${flag}`).toBeDefined();
      expect(line).toContain(d.env);
      expect(line).toContain(`default ${d.default || '""'}`);
    }
    expect(out).toMatch(/--pod-network\s+SKIFF_POD_NETWORK\s+default skiff-local/);
  });

  it('exits 2 naming an unknown flag, with the usage', async () => {
    const a = spawnAgent(['--no-such-flag']);
    agents.push(a);
    expect(await a.exited).toBe(2);
    expect(a.output()).toContain('unknown flag --no-such-flag');
    expect(a.output()).toContain('Usage: node apps/node-agent/dist/main.js');
  });
});

describe('node-agent /readyz', () => {
  it('fails with 503 naming the runtime check while the Docker socket does not answer', async () => {
    const node = `main-down-${suffix}`;
    const port = await freePort();
    const a = start(['--node-name', node, '--listen', `127.0.0.1:${port}`, '--docker-socket', `/tmp/skiff-no-docker-${suffix}.sock`]);
    await agentEndpoint(client, node, a);
    const url = `http://127.0.0.1:${port}`;
    // Wait for the pod cache sync, so the runtime is the only failing check; not ready all along.
    const codes = new Set<number>();
    const body = await waitFor(async () => {
      const res = await fetch(`${url}/readyz?verbose`);
      codes.add(res.status);
      const text = await res.text();
      return text.includes('[+]informer-sync ok') ? text : undefined;
    }, { what: 'the pod cache to sync', timeoutMs: 20_000 });
    expect([...codes]).toEqual([503]);
    expect(body).toMatch(/\[-\]runtime failed: container runtime of node main-down-\w+ is down: .*skiff-no-docker/);
    expect(body).toContain('readyz check failed');
    const plain = await fetch(`${url}/readyz`);
    expect(plain.status).toBe(503);
    expect(await plain.text()).toContain('[-]runtime failed');
    // Liveness is not readiness: restarting the agent would not bring Docker back.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('says ok, and lists the checks with ?verbose, when the runtime answers', async () => {
    const node = `main-sim-${suffix}`;
    const port = await freePort();
    const a = start(['--node-name', node, '--listen', `127.0.0.1:${port}`, '--runtime', 'simulated']);
    await agentEndpoint(client, node, a);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { what: 'the agent to be ready', timeoutMs: 20_000 });
    expect(await (await fetch(`${url}/readyz`)).text()).toBe('ok');
    expect(await (await fetch(`${url}/readyz?verbose`)).text()).toBe('[+]informer-sync ok\n[+]runtime ok\nreadyz check passed\n');
  });
});

describe('node-agent advertised address', () => {
  it('advertises its --listen address, not a LAN address where nothing listens (pods/log over it: packages/e2e pod-logs)', async () => {
    const node = `main-lo-${suffix}`;
    const port = await freePort();
    const a = start(['--node-name', node, '--listen', `127.0.0.1:${port}`, '--runtime', 'simulated', '--simulated-start-delay', '0s']);
    expect(await agentEndpoint(client, node, a)).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
