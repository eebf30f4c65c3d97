/**
 * @module createLogServer: the agent's HTTP endpoint: container logs (what the api-server's pods/log proxies to),
 * health and metrics. Plain node:http, as the other components' health servers: five routes do not need express,
 * whose load was a quarter of the agent's start-up allocation (bench/README.md, "Idle, sixth look").
 */
import type { RequestListener, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Pod } from '@skiff/api';
import type { Logger } from '@skiff/controller-kit';
import type { LogRequest, RuntimeContainer } from './runtime/container-runtime.js';
import type { NodeRunner } from './node-runner.js';
import type { Summary } from './stats/resource-sampler.js';

/** HealthCheck is one named check of /readyz. */
export interface HealthCheck {
  name: string;
  ok: boolean;
  /** Why it fails; empty when ok. */
  message: string;
}

/**
 * readyzText renders checks as kube components do: `ok` when all pass and `?verbose` is not asked, else one
 * `[+]name ok` / `[-]name failed: reason` line per check and a verdict.
 */
export function readyzText(checks: HealthCheck[], verbose: boolean): string {
  const ok = checks.every((c) => c.ok);
  if (ok && !verbose) return 'ok';
  const lines = checks.map((c) => (c.ok ? `[+]${c.name} ok` : `[-]${c.name} failed: ${c.message || 'reason unknown'}`));
  return `${lines.join('\n')}\nreadyz check ${ok ? 'passed' : 'failed'}\n`;
}

/** LogServerOptions configures createLogServer. */
export interface LogServerOptions {
  /** findPod finds a pod and the node agent running it. */
  findPod(namespace: string, name: string): { runner: NodeRunner; pod: Pod } | undefined;
  /** readyz are the checks of /readyz, each with why it fails (the AgentProcess's `readiness`). */
  readyz(): HealthCheck[];
  /** summary is a node's CPU and memory (kubelet's Summary API); undefined for a node this process does not run. */
  summary?(nodeName: string | undefined): Summary | undefined;
  metrics: Registry;
  logger: Logger;
}

function intParam(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

/** pickInstance returns the current instance of a container, or the previous one for `previous=true`. */
export function pickInstance(containers: RuntimeContainer[], name: string, previous: boolean): RuntimeContainer | undefined {
  const list = containers.filter((c) => c.kind !== 'sandbox' && c.containerName === name).sort((a, b) => b.restartCount - a.restartCount);
  return previous ? list[1] : list[0];
}

/**
 * notStartedMessage says why a container with no instance has no logs, from the status the agent reported, in
 * kubelet's words (validateContainerLogStatus): the waiting reason, with plain words for image pull failures.
 */
export function notStartedMessage(pod: Pod, container: string): string {
  const podName = pod.metadata.name ?? '';
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])].find((s) => s.name === container);
  if (status?.state?.terminated) return `container "${container}" in pod "${podName}" is terminated`;
  const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
  const why = reason === 'ErrImagePull' ? "image can't be pulled" : reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
  return `container "${container}" in pod "${podName}" is waiting to start: ${why}`;
}

/** TEXT is the type of every plain-text answer. */
const TEXT = 'text/plain; charset=utf-8';

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** LOGS_PATH is /containerLogs/{namespace}/{pod}/{container}, each segment one path segment. */
const LOGS_PATH = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/;

/**
 * createLogServer serves `GET /containerLogs/{namespace}/{pod}/{container}` with the kubelet's query parameters
 * (follow, tailLines, timestamps, previous, sinceSeconds, sinceTime, limitBytes) as text/plain, plus
 * /stats/summary, /healthz, /readyz and /metrics. A parameter given twice counts once, its first value (Go's
 * url.Values.Get, as kubelet reads them).
 */
export function createLogServer(opts: LogServerOptions): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const query = url.searchParams;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 404, TEXT, '404 page not found\n');
    if (path === '/healthz') return send(res, 200, TEXT, 'ok');
    if (path === '/readyz') {
      const checks = opts.readyz();
      return send(res, checks.every((c) => c.ok) ? 200 : 503, TEXT, readyzText(checks, query.has('verbose')));
    }
    if (path === '/metrics') {
      const m = opts.metrics;
      m.metrics().then(
        (text) => send(res, 200, m.contentType, text),
        (err: unknown) => send(res, 500, TEXT, String(err)),
      );
      return;
    }
    // kubelet's Summary API; `node` picks one of the nodes of a process that runs several (simulated) nodes.
    if (path === '/stats/summary') {
      const node = query.get('node') ?? undefined;
      const summary = opts.summary?.(node);
      if (!summary) return send(res, 404, TEXT, node ? `node ${node} is not run by this agent` : 'this agent runs several nodes: name one with ?node=');
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(summary));
    }
    const logs = LOGS_PATH.exec(path);
    if (logs) {
      let segments: string[];
      try {
        segments = logs.slice(1).map(decodeURIComponent);
      } catch {
        return send(res, 400, TEXT, `malformed path ${path}`);
      }
      const [namespace, pod, container] = segments as [string, string, string];
      return void serveLogs(opts, res, namespace, pod, container, query);
    }
    send(res, 404, TEXT, '404 page not found\n');
  };
}

async function serveLogs(opts: LogServerOptions, res: ServerResponse, namespace: string, podName: string, container: string, query: URLSearchParams): Promise<void> {
  const found = opts.findPod(namespace, podName);
  if (!found) return send(res, 404, TEXT, `pod ${namespace}/${podName} is not on this node`);
  const previous = query.get('previous') === 'true';
  const instance = pickInstance(found.runner.pleg.containersOf(found.pod.metadata.uid ?? ''), container, previous);
  if (!instance) {
    const msg = previous ? `previous terminated container "${container}" in pod "${podName}" not found` : notStartedMessage(found.pod, container);
    return send(res, 400, TEXT, msg);
  }
  const logReq: LogRequest = {
    follow: query.get('follow') === 'true' && instance.state === 'running',
    timestamps: query.get('timestamps') === 'true',
  };
  const tail = intParam(query.get('tailLines'));
  const since = intParam(query.get('sinceSeconds'));
  const limit = intParam(query.get('limitBytes'));
  if (tail !== undefined) logReq.tailLines = tail;
  if (since !== undefined) logReq.sinceSeconds = since;
  const sinceParam = query.get('sinceTime');
  const sinceTime = sinceParam !== null ? Date.parse(sinceParam) : undefined;
  if (sinceTime !== undefined && Number.isNaN(sinceTime)) return send(res, 400, TEXT, `invalid sinceTime ${JSON.stringify(sinceParam)}: not an RFC 3339 time`);
  if (since === undefined && sinceTime !== undefined) logReq.sinceTimeMs = sinceTime;
  // The client may leave while the runtime opens the stream: remember it, or a followed stream would stay open.
  let gone = false;
  res.on('close', () => (gone = true));
  try {
    const stream = await found.runner.runtime.logs(instance.id, logReq);
    if (gone) return void stream.destroy();
    res.writeHead(200, { 'Content-Type': TEXT });
    if (logReq.follow) res.flushHeaders();
    let sent = 0;
    res.on('close', () => stream.destroy());
    stream.on('data', (chunk: Buffer | string) => {
      let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (limit !== undefined) {
        if (sent + buf.length >= limit) {
          buf = buf.subarray(0, limit - sent);
          sent = limit;
          res.end(buf);
          stream.destroy();
          return;
        }
        sent += buf.length;
      }
      res.write(buf);
    });
    stream.on('end', () => res.end());
    stream.on('error', (err) => {
      opts.logger.debug({ err }, 'log stream failed');
      res.end();
    });
  } catch (err) {
    opts.logger.warn({ err }, 'log request failed');
    if (!res.headersSent) send(res, 500, TEXT, `failed to read logs: ${(err as Error).message}`);
  }
}
