/**
 * @module The dashboard process the browser tests drive: started against a Cluster's api-server with the cluster's
 * kubeconfig, its URL read from its start-up log line, and a browser page signed in with a bearer token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '@skiff/testing';
import { mainOf, type Cluster } from './cluster.js';

/**
 * tokenAuthFile writes a --token-auth-file giving `token` to a system:masters user named `user`, and each of
 * `others` to a user of that name in no group (what RBAC grants it is up to the test).
 */
export function tokenAuthFile(cluster: Cluster, token: string, user: string, others: { token: string; user: string }[] = []): string {
  const file = join(cluster.dataDir, 'tokens.csv');
  writeFileSync(file, [`${token},${user},u-${user},"system:masters"`, ...others.map((o) => `${o.token},${o.user},u-${o.user}`)].join('\n') + '\n');
  return file;
}

export interface Dashboard {
  url: string;
  child: ChildProcess;
}

/** startDashboard runs apps/dashboard on a free loopback port and waits until it says where it serves. */
export async function startDashboard(cluster: Cluster): Promise<Dashboard> {
  let logs = '';
  let url = '';
  const child = spawn(process.execPath, [mainOf('dashboard'), '--kubeconfig', cluster.kubeconfig(), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  await waitFor(() => (url = /"url":"(http:[^"]+)"/.exec(logs)?.[1] ?? ''), { what: `the dashboard to serve (${logs})`, timeoutMs: 15_000 });
  return { url, child };
}

/** signIn submits the token on the sign-in form and waits for the signed-in header. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('.user');
}
