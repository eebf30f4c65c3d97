/**
 * @module resourcePath: where an object of a given apiVersion and kind lives, from the api-server's discovery
 * (the resource list of its group version), as kubectl's RESTMapper finds it.
 */
import { request } from './api.js';

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const lists = new Map<string, Promise<ResourceList>>();

export async function resourcePath(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }, defaultNamespace = 'default'): Promise<string> {
  if (!obj.apiVersion || !obj.kind) throw new Error('apiVersion and kind are required');
  if (!obj.metadata?.name) throw new Error(`${obj.kind}: metadata.name is required`);
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  let list = lists.get(base);
  if (!list) {
    list = request<ResourceList>('GET', base);
    lists.set(base, list);
    list.catch(() => lists.delete(base));
  }
  const r = (await list).resources.find((x) => x.kind === obj.kind && !x.name.includes('/'));
  if (!r) throw new Error(`the server does not serve ${obj.kind} in ${obj.apiVersion}`);
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? defaultNamespace)}` : '';
  return `${base}${ns}/${r.name}/${encodeURIComponent(obj.metadata.name)}`;
}
