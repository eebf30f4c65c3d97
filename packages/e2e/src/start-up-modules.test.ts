import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { Cluster, freePort, type Component } from './cluster.js';

/**
 * Start-up loads only what starting needs: the certificate library (@peculiar/x509 and its ~200 modules), the cron
 * parser, the JWT library and (without a kubeconfig) the YAML parser load when first used, not with every process.
 * Each is a share of every start's CPU and of the live heap the idle process's memory reducer later walks. Only the
 * api-server decodes, so only it loads zod and builds the wire schemas (issue 17: ~14 MB allocated, ~6 MB live).
 */
const PRELOAD = ['--import', fileURLToPath(new URL('./loaded-modules.mjs', import.meta.url))];
const ENV = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${PRELOAD.join(' ')}`.trim() };
const LAZY = ['@peculiar/x509', 'tsyringe', 'cron-parser', 'jose'];
/** DECODING is what only a process that decodes request bodies loads. */
const DECODING = ['zod'];

const cluster = new Cluster();
beforeAll(async () => {
  // The first start makes the cluster PKI and kubeconfigs (so it loads the certificate library); the restart keeps them.
  await cluster.startApiServer();
  const first = cluster.components.get('api-server')!;
  await waitFor(() => first.logs().includes('"msg":"serving securely"'), { what: 'the first start writing its kubeconfigs', timeoutMs: 60_000 });
  await cluster.kill('api-server');
  await cluster.startApiServer([], '127.0.0.1', ENV);
}, 180_000);
afterAll(() => cluster.stop());

/** loadedPackages asks the process (SIGUSR2 to loaded-modules.mjs) which packages it has loaded. */
async function loadedPackages(c: Component): Promise<Set<string>> {
  const line = await waitFor(() => {
    const found = /LOADED_MODULES (.*)/.exec(c.logs());
    if (!found) c.child.kill('SIGUSR2');
    return found?.[1];
  }, { what: `${c.name}'s module list`, intervalMs: 200, timeoutMs: 20_000 });
  const urls = JSON.parse(line) as string[];
  return new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter((p): p is string => !!p));
}

describe('start-up modules', () => {
  it('an api-server restarted on its data directory loads no certificate, cron or JWT library', async () => {
    const loaded = await loadedPackages(cluster.components.get('api-server')!);
    expect(loaded).toContain('better-sqlite3');
    expect(LAZY.filter((p) => loaded.has(p))).toEqual([]);
  }, 60_000);

  it('a scheduler, controller-manager and simulated node agent given --server load none of them, nor yaml, express or zod', async () => {
    const health = async (listen: string) => (await fetch(`http://${listen}/readyz`).catch(() => undefined))?.ok === true;
    const schedulerListen = `127.0.0.1:${await freePort()}`;
    const cmListen = `127.0.0.1:${await freePort()}`;
    const scheduler = cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', schedulerListen], ENV);
    const cm = cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', cmListen], ENV);
    const node = `startup-${process.pid}`;
    const agent = cluster.start(node, 'node-agent', ['--node-name', node, '--runtime', 'simulated', '--listen', '127.0.0.1:0'], ENV);
    await waitFor(() => health(schedulerListen), { what: 'scheduler ready', timeoutMs: 30_000 });
    await waitFor(() => health(cmListen), { what: 'controller-manager ready', timeoutMs: 30_000 });
    const ready = async () => (await cluster.client.nodes.get(node).catch(() => undefined))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    await waitFor(ready, { what: 'the simulated node Ready', timeoutMs: 30_000 });
    for (const c of [scheduler, cm, agent]) {
      const loaded = await loadedPackages(c);
      expect(loaded, c.name).toContain('undici');
      // express is the api-server's: the others serve their few paths on node:http.
      expect([...LAZY, ...DECODING, 'yaml', 'express'].filter((p) => loaded.has(p)), c.name).toEqual([]);
    }
  }, 120_000);
});

describe('start-up modules with TLS (as docker compose runs the components)', () => {
  const secure = new Cluster({ secure: true });
  afterAll(() => secure.stop());

  it('a scheduler on its kubeconfig and a node agent restarted on its certificates load no certificate, cron or JWT library', async () => {
    await secure.startApiServer();
    // The controller-manager signs the agent's first client certificate (so it loads the certificate library).
    secure.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
    const scheduler = secure.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', `127.0.0.1:${await freePort()}`], ENV);
    const node = `startup-tls-${process.pid}`;
    const args = ['--node-name', node, '--runtime', 'simulated', '--listen', '127.0.0.1:0'];
    const ready = async () => (await secure.client.nodes.get(node).catch(() => undefined))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    secure.start(node, 'node-agent', args);
    await waitFor(ready, { what: 'the node Ready after TLS bootstrap', timeoutMs: 60_000 });
    await secure.kill(node);
    const agent = secure.start(node, 'node-agent', args, ENV);
    await waitFor(() => agent.logs().includes('"msg":"node agent starting"'), { what: 'the restarted agent listening', timeoutMs: 30_000 });
    for (const c of [scheduler, agent]) {
      const loaded = await loadedPackages(c);
      expect(loaded, c.name).toContain('yaml');
      expect([...LAZY, ...DECODING].filter((p) => loaded.has(p)), c.name).toEqual([]);
    }
    expect(agent.logs()).not.toContain('bootstrapping');
  }, 180_000);
});
