/**
 * @module pods/log: proxies a log request to the node agent that runs the pod, as kube-apiserver does to kubelet.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { RESOURCES, type Pod } from '@skiff/api';
import { upstreamError } from '../http/upstream-error.js';
import type { Registry } from '../registry/registry.js';
import { agentDialer, type AgentDialer } from './agent-dialer.js';
import { agentEndpoint, podContainerName, readBounded, unreachable } from './node-agent.js';
import { agentLogQuery, parsePodLogOptions } from './pod-log-options.js';

/**
 * podLogProxy streams `GET /containerLogs/{ns}/{pod}/{container}` from the pod's node agent; `dialTimeoutMs` (default
 * 10 s) bounds connecting to the agent and waiting for its answer's headers.
 */
export function podLogProxy(registry: Registry, opts: { dialTimeoutMs?: number; dialer?: AgentDialer } = {}) {
  const dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
  const dialer = opts.dialer ?? agentDialer();
  return async (req: IncomingMessage, res: ServerResponse, namespace: string, name: string, q: URLSearchParams): Promise<void> => {
    // Options first, as kube's LogREST validates them before it looks the pod up.
    const opts = parsePodLogOptions(q, name);
    const pod = registry.get(RESOURCES.pods, namespace, name) as unknown as Pod;
    const container = podContainerName(pod, opts.container);
    const agent = agentEndpoint(registry, pod);
    const query = agentLogQuery(opts);
    const target = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
    const upstream = dialer.request(agent, { method: 'GET', path: target, timeout: dialTimeoutMs });
    await new Promise<void>((resolve, reject) => {
      upstream.on('response', (up) => {
        // The timeout guards connecting and the headers only: a followed container may stay quiet for hours.
        upstream.setTimeout(0);
        const code = up.statusCode ?? 502;
        if (code < 200 || code > 299) {
          // An agent's error is text/plain; clients expect a Status (kubectl otherwise says "unknown reason").
          readBounded(up).then((body) => reject(upstreamError(code, body, 'pods/log', name)), reject);
          return;
        }
        res.statusCode = code;
        res.setHeader('Content-Type', up.headers['content-type'] ?? 'text/plain');
        if (opts.follow) res.flushHeaders();
        // pipeline ends both sides together: the client leaving (kubectl logs -f, Ctrl-C) closes the agent's
        // stream, and the agent going away mid-stream aborts the client's response (a cut stream, not a clean end,
        // as kube-apiserver's proxy does), instead of an error nobody handles.
        pipeline(up, res, () => resolve());
      });
      upstream.on('timeout', () => upstream.destroy(new Error('timed out connecting to the node agent')));
      upstream.on('error', (err) => {
        if (res.headersSent) return resolve();
        reject(unreachable(agent, err));
      });
      // A client that leaves before the agent answers ends the upstream request too.
      res.on('close', () => upstream.destroy());
      upstream.end();
    });
  };
}
