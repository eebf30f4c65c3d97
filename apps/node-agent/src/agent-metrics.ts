/**
 * @module registerAgentMetrics: the node agent's own series on /metrics, read from its nodes at scrape time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeRunner } from './node-runner.js';

function sum(runners: () => Iterable<NodeRunner>, of: (r: NodeRunner) => number): number {
  let n = 0;
  for (const r of runners()) n += of(r);
  return n;
}

/**
 * registerAgentMetrics adds, summed over the agent's nodes: the pods bound to them; the runtime relists done and
 * the container changes they found (kubelet's kubelet_pleg_relist_duration_seconds_count and PLEG events); and the
 * pod workers syncing right now. Relists that find nothing while no worker is busy are how a watcher (an operator,
 * or a test) learns that the agent has settled, rather than waiting some seconds and hoping.
 */
export function registerAgentMetrics(registry: Registry, runners: () => Iterable<NodeRunner>): void {
  new Gauge({ name: 'skiff_node_agent_pods', help: 'Pods bound to the nodes of this agent', registers: [registry], collect() {
    this.set(sum(runners, (r) => r.podCount));
  } });
  new Counter({ name: 'skiff_node_agent_pleg_relists_total', help: 'Container runtime relists that got an answer', registers: [registry], collect() {
    this.reset();
    this.inc(sum(runners, (r) => r.pleg.relists));
  } });
  new Counter({ name: 'skiff_node_agent_pleg_events_total', help: 'Container changes (started, died, removed, changed) found by relists', registers: [registry], collect() {
    this.reset();
    this.inc(sum(runners, (r) => r.pleg.events));
  } });
  // A housekeeping round must take a small part of --housekeeping-interval: seconds_total / rounds_total says how much.
  new Counter({ name: 'skiff_node_agent_stats_rounds_total', help: 'Rounds of container CPU and memory samples', registers: [registry], collect() {
    this.reset();
    this.inc(sum(runners, (r) => r.stats.rounds));
  } });
  new Counter({ name: 'skiff_node_agent_stats_round_seconds_total', help: 'Time the rounds of container samples took', registers: [registry], collect() {
    this.reset();
    this.inc(sum(runners, (r) => r.stats.roundSeconds));
  } });
  new Counter({ name: 'skiff_node_agent_stats_samples_total', help: 'Container samples, by where they were read: cgroupfs files or the runtime stats API', labelNames: ['source'], registers: [registry], collect() {
    this.reset();
    this.inc({ source: 'cgroupfs' }, sum(runners, (r) => r.stats.cgroupSamples));
    this.inc({ source: 'runtime' }, sum(runners, (r) => r.stats.runtimeSamples));
  } });
  new Gauge({ name: 'skiff_node_agent_pod_workers_busy', help: 'Pod workers syncing right now', registers: [registry], collect() {
    this.set(sum(runners, (r) => r.workers.busy));
  } });
}
