/**
 * @module The resources Skiff serves, as descriptors (derived from kinds/index.ts) and paths.
 */
export * from './resource-info.js';
export { findKind, kindFor, KINDS, RESOURCE_LIST, RESOURCES, type ResourceName } from './kinds/index.js';
export { SERVED_KINDS, SERVED_VERSIONS, servedVersionOf, type ServedVersion } from './kinds/served-versions.js';
export type { ServedVersionSpec } from './kinds/served-version.js';
