/**
 * @module Discovery: /version, legacy /api and /apis documents, and the OpenAPI v2 and v3 documents.
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
export { openapiV3Document, openapiV3Root, serializeDocument } from './openapi-v3-root.js';
export type { OpenAPIV3Root, SerializedDocument } from './openapi-v3-root.js';
export { openapiV2 } from './openapi-v2.js';
export { encodeOpenapiV2Protobuf, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi-v2-protobuf.js';
export { aggregatedContentType, aggregatedDiscovery, aggregatedDiscoveryVersion } from './aggregated-discovery.js';
export type { APIGroupDiscoveryList, APIResourceDiscovery, DiscoveryVersion } from './aggregated-discovery.js';
