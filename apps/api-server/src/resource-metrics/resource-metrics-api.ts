/**
 * @module resourceMetricsApi: `metrics.k8s.io/v1beta1` built into the api-server (what metrics-server serves through an
 * APIService): NodeMetrics and PodMetrics read on demand from the node agents' /stats/summary.
 *
 * On demand rather than scraped: the agents already sample every housekeeping interval and keep the last rate, so
 * asking them when a client asks costs nothing while nobody does, keeps no state in the api-server, and is at most
 * one interval old, as metrics-server's own cache is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, formatTime, Quantity, RESOURCES, type Node, type Pod, type Verb } from '@skiff/api';
import { listFilter } from '../http/query.js';
import { sendJson } from '../http/send.js';
import type { Registry } from '../registry/registry.js';
import { nodeAgentEndpoint } from '../routes/node-agent.js';
import type { CPUStats, MemoryStats, Summary } from './agent-summary.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** metricsApiGroup is the group as /apis and /apis/metrics.k8s.io list it. */
export function metricsApiGroup() {
  const gv = { groupVersion: API_VERSION, version: METRICS_VERSION };
  return { name: METRICS_GROUP, versions: [gv], preferredVersion: { ...gv } };
}

/** metricsResourceList is what metrics-server registers: read-only, nodes cluster-wide and pods per namespace. */
export function metricsResourceList() {
  const verbs: Verb[] = ['get', 'list'];
  return {
    kind: 'APIResourceList' as const,
    apiVersion: 'v1' as const,
    groupVersion: API_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs },
    ],
  };
}

/** SummarySource reads one node's Summary from its agent. */
export type SummarySource = (node: Node) => Promise<Summary>;

export interface ResourceMetricsOptions {
  registry: Registry;
  summary: SummarySource;
  clock: { now(): number };
  /** Called when a node's agent could not be read: the node simply has no metrics (as in metrics-server). */
  onError?: (node: string, err: unknown) => void;
}

/** usage renders CPU (nanocores, as metrics-server's NewScaledQuantity(-9)) and memory (bytes, BinarySI). */
function usage(cpu: CPUStats, memory: MemoryStats): { cpu: string; memory: string } {
  return { cpu: Quantity.parse(`${Math.round(cpu.usageNanoCores)}n`).toString(), memory: Quantity.fromValue(Math.round(memory.workingSetBytes), 'BinarySI').toString() };
}

/** goDuration renders seconds as Go's time.Duration String does for metav1.Duration ("10s", "1.5s", "1m0s"). */
function goDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const m = Math.floor(ms / 60_000);
  const s = `${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
  return m ? `${m}m${s}` : s;
}

function parse(pathname: string): { namespace?: string; resource?: string; name?: string } | undefined {
  const parts = pathname.split('/').filter(Boolean).slice(3).map(decodeURIComponent); // after apis/metrics.k8s.io/v1beta1
  if (parts.length === 0) return {};
  if (parts[0] === 'namespaces' && parts.length >= 3 && parts[2] === 'pods' && parts.length <= 4) return { namespace: parts[1]!, resource: 'pods', ...(parts[3] ? { name: parts[3] } : {}) };
  if ((parts[0] === 'nodes' || parts[0] === 'pods') && parts.length <= 2) return { resource: parts[0], ...(parts[1] ? { name: parts[1] } : {}) };
  return undefined;
}

/**
 * resourceMetricsApi answers `/apis/metrics.k8s.io[/v1beta1[/...]]`; it returns false for other paths. Lists take
 * labelSelector and fieldSelector (of nodes and pods); a node or pod without metrics is left out of a list and is a 404 NotFound on a get, in
 * metrics-server's words (`podmetrics.metrics.k8s.io "default/web" not found`).
 */
export function resourceMetricsApi(opts: ResourceMetricsOptions) {
  const { registry } = opts;

  async function summaries(nodes: Node[]): Promise<Map<string, Summary>> {
    const out = new Map<string, Summary>();
    await Promise.all(
      nodes.map(async (n) => {
        try {
          nodeAgentEndpoint(n); // a node that never reported an agent endpoint has no metrics: no need to ask
          out.set(n.metadata.name ?? '', await opts.summary(n));
        } catch (err) {
          opts.onError?.(n.metadata.name ?? '', err);
        }
      }),
    );
    return out;
  }

  function nodeMetrics(node: Node, s: Summary | undefined) {
    const { cpu, memory } = s?.node ?? {};
    if (!cpu || !memory) return undefined;
    const metadata = { name: node.metadata.name, creationTimestamp: formatTime(opts.clock.now()), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) };
    return { kind: 'NodeMetrics', apiVersion: API_VERSION, metadata, timestamp: formatTime(Date.parse(cpu.time)), window: goDuration(cpu.window), usage: usage(cpu, memory) };
  }

  function podMetrics(pod: Pod, s: Summary | undefined) {
    const stats = s?.pods.find((p) => p.podRef.uid === pod.metadata.uid);
    if (!stats?.containers.length) return undefined;
    const first = stats.containers[0]!;
    const metadata = { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: formatTime(opts.clock.now()), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) };
    const containers = stats.containers.map((c) => ({ name: c.name, usage: usage(c.cpu, c.memory) }));
    return { kind: 'PodMetrics', apiVersion: API_VERSION, metadata, timestamp: formatTime(Date.parse(first.cpu.time)), window: goDuration(first.cpu.window), containers };
  }

  function nodesOf(pods: Pod[]): Node[] {
    const names = new Set(pods.map((p) => p.spec.nodeName).filter((n): n is string => Boolean(n)));
    const nodes: Node[] = [];
    for (const name of names) {
      try {
        nodes.push(registry.get(RESOURCES.nodes, undefined, name) as unknown as Node);
      } catch {
        // The pod's node is gone: its pods have no metrics.
      }
    }
    return nodes;
  }

  // Every resource request asks first: a path that cannot be in the group is refused at once, without a promise to
  // wait for (the test is looser than the one in `serve`, which decides).
  return (req: IncomingMessage, res: ServerResponse, url: URL): false | Promise<boolean> => (url.pathname.includes(METRICS_GROUP) ? serve(req, res, url) : false);

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'apis' || segments[1] !== METRICS_GROUP) return false;
    if (segments.length > 2 && segments[2] !== METRICS_VERSION) return false;
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method ?? '', url.pathname);
    if (segments.length === 2) return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup() }), true;
    const target = parse(url.pathname);
    if (!target) return false;
    if (!target.resource) return sendJson(res, 200, metricsResourceList()), true;
    if (target.resource === 'nodes') {
      if (target.name) {
        let node: Node;
        try {
          node = registry.get(RESOURCES.nodes, undefined, target.name) as unknown as Node;
        } catch {
          throw errors.notFound('nodemetrics', METRICS_GROUP, target.name);
        }
        const m = nodeMetrics(node, (await summaries([node])).get(target.name));
        if (!m) throw errors.notFound('nodemetrics', METRICS_GROUP, target.name);
        return sendJson(res, 200, m), true;
      }
      const nodes = registry.list(RESOURCES.nodes, undefined, listFilter(RESOURCES.nodes, url.searchParams)).items as unknown as Node[];
      const got = await summaries(nodes);
      const items = nodes.map((n) => nodeMetrics(n, got.get(n.metadata.name ?? ''))).filter((m) => m !== undefined);
      return sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items }), true;
    }
    const namespace = target.namespace;
    if (target.name) {
      const notFound = () => errors.notFound('podmetrics', METRICS_GROUP, `${namespace}/${target.name}`);
      let pod: Pod;
      try {
        pod = registry.get(RESOURCES.pods, namespace, target.name) as unknown as Pod;
      } catch {
        throw notFound();
      }
      const m = podMetrics(pod, (await summaries(nodesOf([pod]))).get(pod.spec.nodeName ?? ''));
      if (!m) throw notFound();
      return sendJson(res, 200, m), true;
    }
    const pods = (registry.list(RESOURCES.pods, namespace, listFilter(RESOURCES.pods, url.searchParams)).items as unknown as Pod[]).filter((p) => p.status?.phase === 'Running');
    const got = await summaries(nodesOf(pods));
    const items = pods.map((p) => podMetrics(p, got.get(p.spec.nodeName ?? ''))).filter((m) => m !== undefined);
    return sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items }), true;
  }
}
