/**
 * @module The resources Skiff serves, as descriptors (derived from kinds/index.ts) and paths.
 */
export * from './resource-info.js';
export { findKind, kindFor, KINDS, RESOURCE_LIST, RESOURCES, type ResourceName } from './kinds/index.js';
