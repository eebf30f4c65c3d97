/**
 * @module Discovery: /version, legacy /api and /apis documents, and the stub OpenAPI v3 that kubectl needs.
 */
export { versionInfo } from './version-info.js';
export type { VersionInfo } from './version-info.js';
export { apiVersions } from './api-versions.js';
export type { APIVersions } from './api-versions.js';
export { apiGroupList } from './api-group-list.js';
export type { APIGroup, APIGroupList, GroupVersionForDiscovery } from './api-group-list.js';
export { apiResourceList } from './api-resource-list.js';
export type { APIResource, APIResourceList } from './api-resource-list.js';
export { groupVersionKey, openapiV3GroupVersion } from './openapi-v3-group-version.js';
export { openapiV3Root } from './openapi-v3-root.js';
export type { OpenAPIV3Root } from './openapi-v3-root.js';
