/**
 * @module @skiff/controller-kit: the machinery every Skiff controller is built on. Reflector, shared informer and
 * indexer (client-go tools/cache), work queues and rate limiters (client-go util/workqueue), the reconcile runner
 * (controller-runtime), Lease-based leader election, plus the injected Clock and structured logger they share.
 */
export { FakeClock, realClock, sleep } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { createLogger, silentLogger } from './logger.js';
export { ClientEventRecorder, FakeEventRecorder, clientEventSink, referenceTo } from './event-recorder.js';
export type { ClientEventRecorderOptions, EventRecorder, EventSink, EventSubject, EventType, EventsApi } from './event-recorder.js';
export { createHealthServer } from './health-server.js';
export type { HealthCheck, HealthServerOptions, MetricsSource } from './health-server.js';
export { childAbortController } from './child-abort-controller.js';
export type { ChildAbortController } from './child-abort-controller.js';
export type { CreateLoggerOptions, Logger } from './logger.js';

export { WorkQueue } from './workqueue/work-queue.js';
export type { WorkQueueOptions } from './workqueue/work-queue.js';
export { DelayingQueue } from './workqueue/delaying-queue.js';
export { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
export type { RateLimitingQueueOptions } from './workqueue/rate-limiting-queue.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './workqueue/rate-limiter.js';
export type { RateLimiter } from './workqueue/rate-limiter.js';
export { TokenBucket } from './token-bucket.js';
export type { TokenBucketOptions } from './token-bucket.js';
export type { QueueMetrics } from './workqueue/queue-metrics.js';

export type {
  HasMetadata,
  ListOptions,
  ListerWatcher,
  WatchHandle,
  WatchHandlers,
  WatchOptions,
} from './cache/lister-watcher.js';
export { Indexer } from './cache/indexer.js';
export type { IndexerOptions, KeyFunc } from './cache/indexer.js';
export {
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
  namespaceIndex,
  nodeNameIndex,
  ownerUidIndex,
} from './cache/index-funcs.js';
export type { IndexFunc, Indexers } from './cache/index-funcs.js';
export { DeletedFinalStateUnknown, unwrapTombstone } from './cache/deleted-final-state-unknown.js';
export { Reflector } from './cache/reflector.js';
export type { ReflectorOptions, ReflectorStore, ResourceSelector } from './cache/reflector.js';
export type { ResourceEventHandler } from './cache/processor-listener.js';
export { SharedInformer, waitForCacheSync } from './cache/shared-informer.js';
export type { HandlerRegistration, Lister, SharedInformerOptions } from './cache/shared-informer.js';
export { SharedInformerFactory } from './cache/shared-informer-factory.js';
export type { ForResourceOptions, SharedInformerFactoryOptions } from './cache/shared-informer-factory.js';
export { FakeListerWatcher } from './cache/fake-lister-watcher.js';

export { TerminalError, isTerminalError } from './reconcile.js';
export type { ReconcileResult, Reconciler } from './reconcile.js';
export { processNextWorkItem, runController } from './run-controller.js';
export type { RunControllerOptions, Syncable } from './run-controller.js';
export { controllerOwnerKey, handlerFor } from './handler-for.js';
export { Controller, watch } from './controller.js';
export type { ControllerOptions, Watch, Watchable } from './controller.js';
export type { Enqueuer, KeyMapper } from './handler-for.js';

export { LeaderElector } from './leaderelection/leader-elector.js';
export type { LeaderElectorOptions, LeaseLock } from './leaderelection/leader-elector.js';
export type { LeaseClient } from './leaderelection/lease-client.js';
export { FakeLeaseClient } from './leaderelection/fake-lease-client.js';
