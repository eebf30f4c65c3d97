/**
 * @module createLogServer: the agent's HTTP endpoint: container logs (what the api-server's pods/log proxies to),
 * health and metrics.
 */
import express, { type Express, type Request, type Response } from 'express';
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

function intParam(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
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

/**
 * createLogServer serves `GET /containerLogs/{namespace}/{pod}/{container}` with the kubelet's query parameters
 * (follow, tailLines, timestamps, previous, sinceSeconds, sinceTime, limitBytes) as text/plain, plus
 * /stats/summary, /healthz, /readyz and /metrics.
 */
export function createLogServer(opts: LogServerOptions): Express {
  const app = express();
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (req, res) => {
    const checks = opts.readyz();
    res.status(checks.every((c) => c.ok) ? 200 : 503).type('text/plain').send(readyzText(checks, req.query['verbose'] !== undefined));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.metrics.contentType).send(await opts.metrics.metrics());
  });
  // kubelet's Summary API; `node` picks one of the nodes of a process that runs several (simulated) nodes.
  app.get('/stats/summary', (req, res) => {
    const node = typeof req.query['node'] === 'string' ? req.query['node'] : undefined;
    const summary = opts.summary?.(node);
    if (!summary) return void res.status(404).type('text/plain').send(node ? `node ${node} is not run by this agent` : 'this agent runs several nodes: name one with ?node=');
    res.json(summary);
  });
  app.get('/containerLogs/:namespace/:pod/:container', async (req: Request, res: Response) => {
    const { namespace, pod: podName, container } = req.params as Record<string, string>;
    const found = opts.findPod(namespace!, podName!);
    if (!found) return void res.status(404).type('text/plain').send(`pod ${namespace}/${podName} is not on this node`);
    const previous = req.query['previous'] === 'true';
    const instance = pickInstance(found.runner.pleg.containersOf(found.pod.metadata.uid ?? ''), container!, previous);
    if (!instance) {
      const msg = previous ? `previous terminated container "${container}" in pod "${podName}" not found` : notStartedMessage(found.pod, container!);
      return void res.status(400).type('text/plain').send(msg);
    }
    const logReq: LogRequest = {
      follow: req.query['follow'] === 'true' && instance.state === 'running',
      timestamps: req.query['timestamps'] === 'true',
    };
    const tail = intParam(req.query['tailLines']);
    const since = intParam(req.query['sinceSeconds']);
    const limit = intParam(req.query['limitBytes']);
    if (tail !== undefined) logReq.tailLines = tail;
    if (since !== undefined) logReq.sinceSeconds = since;
    const sinceTime = typeof req.query['sinceTime'] === 'string' ? Date.parse(req.query['sinceTime']) : undefined;
    if (sinceTime !== undefined && Number.isNaN(sinceTime)) return void res.status(400).type('text/plain').send(`invalid sinceTime ${JSON.stringify(req.query['sinceTime'])}: not an RFC 3339 time`);
    if (since === undefined && sinceTime !== undefined) logReq.sinceTimeMs = sinceTime;
    // The client may leave while the runtime opens the stream: remember it, or a followed stream would stay open.
    let gone = false;
    res.on('close', () => (gone = true));
    try {
      const stream = await found.runner.runtime.logs(instance.id, logReq);
      if (gone) return void stream.destroy();
      res.status(200).type('text/plain');
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
      if (!res.headersSent) res.status(500).type('text/plain').send(`failed to read logs: ${(err as Error).message}`);
    }
  });
  return app;
}
