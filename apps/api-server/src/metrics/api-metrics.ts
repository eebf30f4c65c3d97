/**
 * @module ApiMetrics: the api-server's Prometheus metrics, under kube-apiserver's own names where they exist.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEFAULT_METRICS_OPTIONS } from '@skiff/api';
import type { RequestInfo } from '../http/request-info.js';
import type { Storage } from '../storage/storage.js';

/** RequestLabels are the labels of apiserver_request_total: the RequestInfo under kube's label names, and the code. */
export type RequestLabels = Omit<RequestInfo, 'dryRun'> & { code: string; dry_run: string };

/** ApiMetrics owns one prom-client Registry per server, so tests can run several servers in one process. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<keyof RequestLabels | 'component'>;
  readonly duration: Histogram<Exclude<keyof RequestLabels, 'code'> | 'component'>;
  readonly watchers: Gauge<'group' | 'version' | 'kind'>;
  /** Housekeeping rounds (Event expiry, history compaction) by result: how one sees it go on, or fail, over time. */
  readonly housekeeping: Counter<'result'>;

  constructor(store: Storage) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, ...DEFAULT_METRICS_OPTIONS });
    this.housekeeping = new Counter({ name: 'skiff_storage_housekeeping_total', help: 'Storage housekeeping rounds (expiry and compaction) by result (success, error).', labelNames: ['result'], registers });
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.watchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resources',
      labelNames: ['group', 'version', 'kind'],
      registers,
    });
    // Storage figures are read at scrape time (the first storage gauge collects for all of them), so they are
    // never stale and cost nothing between scrapes.
    const objects: Gauge<'resource'> = new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'],
      registers,
      collect() {
        const s = store.stats();
        objects.reset();
        for (const [resource, n] of Object.entries(s.objects)) objects.set({ resource }, n);
        size.set({ storage_cluster_id: 'sqlite' }, s.dbSizeBytes);
        wal.set(s.walSizeBytes);
        revision.set(s.revision);
        compacted.set(s.compactedRevision);
      },
    });
    const size = new Gauge({ name: 'apiserver_storage_size_bytes', help: 'Size of the storage database file in bytes.', labelNames: ['storage_cluster_id'], registers });
    const wal = new Gauge({ name: 'skiff_storage_wal_size_bytes', help: 'Size of the SQLite write-ahead log in bytes.', registers });
    const revision = new Gauge({ name: 'skiff_storage_revision', help: 'Latest committed store revision (resourceVersion).', registers });
    const compacted = new Gauge({ name: 'skiff_storage_compacted_revision', help: 'Oldest revision a watch can resume from.', registers });
  }
}
