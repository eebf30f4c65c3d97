/**
 * @module @skiff/client: a typed Kubernetes REST client for Skiff (undici keep-alive pools) with watches over
 * WebSocket or chunked HTTP that reconnect from the last resourceVersion and relist on 410.
 */
export { createClient, type ClientOptions, type Clientset, type VersionInfo } from './create-client.js';
export { ResourceClient, isStatus, type ClientObject, type DeleteCallOptions } from './resource-client.js';
export { PodClient, type BindOptions, type LogOptions } from './pod-client.js';
export { NamespaceClient } from './namespace-client.js';
export { ScalableClient } from './scalable-client.js';
export type { ListOptions, NamespaceOption, WriteOptions, PatchOptions, PatchType, FieldValidation } from './options.js';
export { startWatch, type WatchOptions, type WatchHandlers, type WatchHandle, type WatchConnector } from './watch.js';
export type { WatchTransport } from './watch-connection.js';
export type { HttpMethod, TlsOptions } from './rest-transport.js';
export { loadInClusterConfig, loadKubeconfig, serviceAccountCredentials, SERVICE_ACCOUNT_DIR, type KubeconfigClient } from './load-kubeconfig.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { compareResourceVersions } from './resource-version.js';
export type { Logger } from './logger.js';
