/**
 * @module pods/log: proxies a log request to the node agent that runs the pod, as kube-apiserver does to kubelet.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { ApiError, errors, RESOURCES, type Node, type Pod } from '@skiff/api';
import type { Registry } from '../registry/registry.js';

const LOG_PARAMS = ['follow', 'tailLines', 'timestamps', 'previous', 'sinceSeconds', 'sinceTime', 'limitBytes'];

/**
 * podLogProxy streams `GET /containerLogs/{ns}/{pod}/{container}` from the pod's node agent; `dialTimeoutMs` (default
 * 10 s) bounds connecting to the agent and waiting for its answer's headers.
 */
export function podLogProxy(registry: Registry, opts: { dialTimeoutMs?: number } = {}) {
  const dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
  return async (req: IncomingMessage, res: ServerResponse, namespace: string, name: string, q: URLSearchParams): Promise<void> => {
    const pod = registry.get(RESOURCES.pods, namespace, name) as unknown as Pod;
    const names = pod.spec.containers.map((c) => c.name);
    const all = [...(pod.spec.initContainers ?? []).map((c) => c.name), ...names];
    let container = q.get('container') ?? undefined;
    if (!container) {
      if (names.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      container = names[0]!;
    } else if (!all.includes(container)) {
      throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const nodeName = pod.spec.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
    let node: Node;
    try {
      node = registry.get(RESOURCES.nodes, undefined, nodeName) as unknown as Node;
    } catch {
      throw errors.notFound('nodes', '', nodeName);
    }
    const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!address || !port) throw new ApiError({ reason: 'ServiceUnavailable', message: `node ${nodeName} does not report a log endpoint` });
    const query = new URLSearchParams();
    for (const p of LOG_PARAMS) {
      const v = q.get(p);
      if (v !== null) query.set(p, v);
    }
    const target = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
    await new Promise<void>((resolve, reject) => {
      const upstream = httpRequest({ host: address, port, path: target, method: 'GET', timeout: dialTimeoutMs }, (up) => {
        // The timeout guards connecting and the headers only: a followed container may stay quiet for hours.
        upstream.setTimeout(0);
        res.statusCode = up.statusCode ?? 502;
        res.setHeader('Content-Type', up.headers['content-type'] ?? 'text/plain');
        if (q.get('follow') === 'true') res.flushHeaders();
        // pipeline ends both sides together: the client leaving (kubectl logs -f, Ctrl-C) closes the agent's
        // stream, and the agent going away mid-stream aborts the client's response (a cut stream, not a clean end,
        // as kube-apiserver's proxy does), instead of an error nobody handles.
        pipeline(up, res, () => resolve());
      });
      upstream.on('timeout', () => upstream.destroy(new Error('timed out connecting to the node agent')));
      upstream.on('error', (err) => {
        if (res.headersSent) return resolve();
        reject(new ApiError({ reason: 'ServiceUnavailable', message: `cannot reach the node agent of ${nodeName} at ${address}:${port}: ${err.message}` }));
      });
      // A client that leaves before the agent answers ends the upstream request too.
      res.on('close', () => upstream.destroy());
      upstream.end();
    });
  };
}
