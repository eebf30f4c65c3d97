/**
 * @module The resources Skiff serves: one descriptor each, read by the server (routing, discovery) and the client (paths).
 */

import { describeResource as resource, SCALE_SUBRESOURCE, statusSubresource as status, type ResourceInfo } from './resource-info.js';

export * from './resource-info.js';

const scale = SCALE_SUBRESOURCE;

export const RESOURCES = {
  namespaces: resource('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: [status('', 'v1', 'Namespace'), { name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] }],
  }),
  nodes: resource('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: [status('', 'v1', 'Node')] }),
  pods: resource('', 'v1', 'Pod', 'pods', {
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      status('', 'v1', 'Pod'),
      { name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] }, { name: 'attach', kind: 'PodAttachOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
    ],
  }),
  events: resource('', 'v1', 'Event', 'events', { namespaced: true, shortNames: ['ev'] }),
  replicasets: resource('apps', 'v1', 'ReplicaSet', 'replicasets', {
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'ReplicaSet'), scale],
  }),
  deployments: resource('apps', 'v1', 'Deployment', 'deployments', {
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'Deployment'), scale],
  }),
  leases: resource('coordination.k8s.io', 'v1', 'Lease', 'leases', { namespaced: true }),
} as const satisfies Record<string, ResourceInfo>;

export type ResourceName = keyof typeof RESOURCES;

export const RESOURCE_LIST: readonly ResourceInfo[] = Object.values(RESOURCES);

