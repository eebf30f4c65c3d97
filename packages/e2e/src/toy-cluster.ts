/**
 * @module Helpers for the toy-cluster scenarios: Docker and Compose through their CLIs, kubectl with a written
 * kubeconfig, and small API readers. Everything a scenario creates is named after its project so it can be removed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { mainOf } from './cluster.js';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** built tells whether an app's dist/main.js exists (npm run build made it). */
export const built = (app: string): boolean => existsSync(mainOf(app));

/** dockerAvailable tells whether a Docker engine answers. */
export function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** composeCommand is `docker compose` (v2) when present, else `docker-compose` (v1.29). */
export function composeCommand(): string[] | undefined {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'pipe', timeout: 10_000 });
    return ['docker', 'compose'];
  } catch {
    try {
      execFileSync('docker-compose', ['version'], { stdio: 'pipe', timeout: 10_000 });
      return ['docker-compose'];
    } catch {
      return undefined;
    }
  }
}

/** run executes a command and resolves its stdout; rejects with stdout and stderr in the message. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve_, reject) => {
    execFile(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve_(stdout);
    });
  });
}

/** writeKubeconfig writes a kubeconfig for server into dir and returns its path. */
export function writeKubeconfig(dir: string, server: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: skiff\n  cluster: {server: "${server}"}\nusers:\n- name: skiff\n  user: {}\ncontexts:\n- name: skiff\n  context: {cluster: skiff, user: skiff, namespace: default}\ncurrent-context: skiff\n`,
  );
  return path;
}

/** PEM material of a TLS client: the CA that verifies the server, a client certificate and key. */
export interface ApiTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * Api is a tiny JSON reader/writer, for assertions independent of @skiff/client: over fetch for an http server,
 * over node:https with `tls` (fetch takes neither a CA nor a client certificate).
 */
export class Api {
  constructor(
    readonly server: string,
    readonly tls?: ApiTls,
  ) {}
  async get<T = any>(path: string): Promise<T> {
    return JSON.parse(await this.text(path)) as T;
  }
  async text(path: string): Promise<string> {
    const r = await this.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
    return r.body;
  }
  async send<T = any>(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    const r = await this.request(method, path, JSON.stringify(body), contentType);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as T;
  }
  /** request answers the status and body text of one request. */
  async request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': contentType };
    if (!this.tls) {
      const r = await fetch(this.server + path, { method, headers, ...(body === undefined ? {} : { body }) });
      return { status: r.status, body: await r.text() };
    }
    const tls = this.tls;
    return new Promise((resolve_, reject) => {
      const req = httpsRequest(this.server + path, { method, headers, ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve_({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  async nodes(): Promise<any[]> {
    return (await this.get('/api/v1/nodes')).items;
  }
  async pods(selector = ''): Promise<any[]> {
    return (await this.get(`/api/v1/namespaces/default/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`)).items;
  }
}

export const isReady = (node: any): boolean => node.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') === true;
/** running: phase Running, every container ready-or-running, and not being deleted. */
export const isRunning = (pod: any): boolean => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp;

/** webDeployment is the scenario's Deployment: busybox httpd serving "hello from <pod>" on 8080. */
export function webDeployment(replicas: number): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'httpd',
              image: 'busybox:1.36',
              command: ['sh', '-c', 'echo "hello from $(hostname)" > /tmp/index.html; echo "web started"; exec httpd -f -v -p 8080 -h /tmp'],
            },
          ],
        },
      },
    },
  };
}

/**
 * clientPod fetches url once and prints what it got (its logs are read through the API). It speaks HTTP/1.0 through
 * `nc`: the wget of the busybox image preloaded here (Debian's) segfaults.
 */
export function clientPod(name: string, url: string, extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'client' } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'wget', image: 'busybox:1.36', command: ['sh', '-c', httpGet(url)] }],
      ...extra,
    },
  };
}

function httpGet(url: string): string {
  const u = new URL(url);
  return `printf 'GET ${u.pathname} HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${u.hostname} ${u.port || 80} && echo fetched-ok`;
}

/** Timings collects the scenario's measurements and prints them as one table. */
export class Timings {
  readonly rows: [string, number][] = [];
  add(what: string, ms: number): void {
    this.rows.push([what, ms]);
    process.stdout.write(`[e2e timing] ${what}: ${(ms / 1000).toFixed(1)} s\n`);
  }
  print(title: string): void {
    if (this.rows.length === 0) return;
    process.stdout.write(`\n${title}\n${this.rows.map(([w, ms]) => `  ${w.padEnd(52)} ${(ms / 1000).toFixed(1).padStart(7)} s`).join('\n')}\n\n`);
  }
}
