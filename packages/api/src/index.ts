/**
 * @module @skiff/api: Kubernetes resource types, Status errors, resource descriptors, validation, defaulting and selectors.
 */
export * from './meta.js';
export * from './status.js';
export * from './pod.js';
export * from './node.js';
export * from './namespace.js';
export * from './event.js';
export * from './lease.js';
export * from './apps.js';
export * from './table.js';
export * from './resources.js';
export * from './kinds/kind.js';
export { namespaceKind } from './kinds/namespace.js';
export { nodeKind } from './kinds/node.js';
export { podKind } from './kinds/pod.js';
export { eventKind } from './kinds/event.js';
export { replicaSetKind } from './kinds/replica-set.js';
export { deploymentKind } from './kinds/deployment.js';
export { leaseKind } from './kinds/lease.js';
export * from './printers/index.js';
export * from './duration.js';
export * from './clock.js';
export * from './quantity.js';
export * from './validation/index.js';
export * from './defaults/index.js';
export * from './selectors/index.js';
export * from './listen-address.js';
export * from './controller-of.js';
export * from './new-controller-ref.js';
export * from './is-pod-terminal.js';
export * from './format-time.js';
export * from './parse-image-name.js';
export * from './tolerates-taint.js';
export * from './node-selector-term-matches.js';
export * from './flags.js';
export * from './service.js';
export * from './service-allocation/index.js';
