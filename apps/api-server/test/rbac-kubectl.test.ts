/**
 * kubectl 1.32 against the RBAC api-server with token-file users: `auth whoami`, `auth can-i` (and `--list`),
 * `create rolebinding`, `get clusterroles`, and a 403 in kube's words. kubectl sends credentials only over TLS
 * (client-go's clientcmd reads auth info only for https servers), so the in-process server is served over verified
 * HTTPS here until the secure port is on main.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testPki } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerToExit, startRbacServer, type RunningServer } from './harness.js';

const run = promisify(execFile);
let dir: string;
let server: RunningServer;
let https: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-rbac-kubectl-'));
  server = await startRbacServer('admin-token,kubernetes-admin,1,system:masters\njane-token,jane,2,"devs"\n');
  const pki = await testPki();
  https = createServer(await pki.issue({ cn: 'localhost', ips: ['127.0.0.1'] }), server.api.app);
  https.on('upgrade', (req, socket, head) => server.api.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  const ca = Buffer.from(pki.ca.cert).toString('base64');
  for (const [user, token] of [['admin', 'admin-token'], ['jane', 'jane-token']]) {
    writeFileSync(
      join(dir, `${user}.kubeconfig`),
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: skiff, cluster: {server: "${url}", certificate-authority-data: ${ca}}}]`,
        `users: [{name: ${user}, user: {token: ${token}}}]`,
        `contexts: [{name: ${user}, context: {cluster: skiff, user: ${user}, namespace: default}}]`,
        `current-context: ${user}`,
        '',
      ].join('\n'),
    );
  }
}, 30_000);

afterAll(async () => {
  https?.closeAllConnections();
  await new Promise((r) => https?.close(r));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kubectl(user: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('/usr/bin/kubectl', ['--kubeconfig', join(dir, `${user}.kubeconfig`), ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kubectl auth and RBAC', () => {
  it('whoami names the token user and its groups', async () => {
    const who = await kubectl('jane', 'auth', 'whoami');
    expect(who.stderr).toBe('');
    expect(who.stdout).toMatch(/Username\s+jane/);
    expect(who.stdout).toMatch(/Groups\s+\[devs system:authenticated\]/);
  });

  it('can-i follows bindings kubectl creates, and a denial is kube\'s 403', async () => {
    expect(await kubectl('jane', 'auth', 'can-i', 'list', 'pods')).toMatchObject({ code: 1, stdout: 'no\n' });
    const denied = await kubectl('jane', 'get', 'pods');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');

    const bound = await kubectl('admin', 'create', 'rolebinding', 'devs-view', '--clusterrole=view', '--group=devs', '-n', 'default');
    expect(bound).toMatchObject({ code: 0, stdout: 'rolebinding.rbac.authorization.k8s.io/devs-view created\n' });
    expect(await kubectl('jane', 'auth', 'can-i', 'list', 'pods')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await kubectl('jane', 'auth', 'can-i', 'list', 'pods', '-n', 'kube-system')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await kubectl('jane', 'auth', 'can-i', 'get', 'secrets')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await kubectl('jane', 'auth', 'can-i', 'get', '/healthz')).toMatchObject({ code: 0, stdout: 'yes\n' });
    const list = await kubectl('jane', 'auth', 'can-i', '--list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(list.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
  });

  it('get clusterroles and rolebindings print kube\'s columns', async () => {
    const roles = await kubectl('admin', 'get', 'clusterroles', 'cluster-admin', 'view');
    expect(roles.stdout).toMatch(/^NAME\s+CREATED AT\ncluster-admin\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nview\s+\d{4}-/);
    const bindings = await kubectl('admin', 'get', 'rolebindings', '-o', 'wide');
    expect(bindings.stdout).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\ndevs-view\s+ClusterRole\/view\s+\S+\s+devs\s*\n$/);
    // kubectl create clusterrole sends protobuf; jane may not create one.
    expect(await kubectl('admin', 'create', 'clusterrole', 'pod-reader', '--verb=get,list', '--resource=pods')).toMatchObject({ code: 0 });
    const refused = await kubectl('jane', 'create', 'clusterrole', 'pod-reader2', '--verb=get', '--resource=pods');
    expect(refused.stderr).toContain('clusterroles.rbac.authorization.k8s.io is forbidden: User "jane" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope');
  });

  it('refuses an unknown --authorization-mode at start (the real main.js)', async () => {
    const { code, stderr } = await runServerToExit(['--storage', 'memory', '--authorization-mode', 'RBAC,ABAC']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--authorization-mode: unknown mode "ABAC"; supported: Node, RBAC, AlwaysAllow, AlwaysDeny');
  });
});
