import { isDeepStrictEqual } from 'node:util';
import { isNotFound, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, objectKey, selectorFromLabelSelector, splitKey, type EndpointSlice, type Endpoints, type Pod, type Service } from '@skiff/api';
import { unwrapTombstone, watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { desiredEndpointSlices, desiredEndpoints, ENDPOINTSLICE_CONTROLLER } from './desired-endpoints.js';

/** sameJSON compares API values regardless of key order (the server writes keys in its schema's order). */
const sameJSON = isDeepStrictEqual;

/** selects reports whether a Service with a selector picks `pod`; a Service without one manages no endpoints. */
function selects(svc: Service, pod: Pod): boolean {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  return selectorFromLabelSelector({ matchLabels: selector }).matches(pod.metadata.labels);
}

/** managesEndpoints: ExternalName Services and Services without a selector have endpoints written by hand. */
function managesEndpoints(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/**
 * EndpointController keeps each selecting Service's Endpoints and EndpointSlices equal to what its pods say (kube's
 * endpoint and endpointslice controllers in one): a pod that turns ready, unready, terminating or gone, or that
 * gains or loses the Service's labels, rewrites them within one reconcile. Slices carry a controlling owner
 * reference to the Service; the Endpoints object shares its name.
 */
export class EndpointController extends ManagedController {
  constructor(deps: ControllerDeps) {
    super('endpoint', deps, 5);
    this.watch([
      watch.primary(this.informers.services),
      watch.handler(this.informers.pods, (queue) => ({
        onAdd: (pod) => this.#servicesFor(pod).forEach((k) => queue.add(k)),
        // Old and new labels both count: a pod that stops matching must leave the Service it left.
        onUpdate: (old, pod) => new Set([...this.#servicesFor(old), ...this.#servicesFor(pod)]).forEach((k) => queue.add(k)),
        onDelete: (obj) => this.#servicesFor(unwrapTombstone(obj)).forEach((k) => queue.add(k)),
      })),
      watch.mapped(this.informers.endpointslices, (slice) => {
        const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
        return svc && slice.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER ? [`${slice.metadata.namespace}/${svc}`] : [];
      }),
      watch.mapped(this.informers.endpoints, (ep) => [objectKey(ep)]),
    ]);
  }

  #servicesFor(pod: Pod): string[] {
    return this.informers.services
      .lister()
      .list(pod.metadata.namespace ?? '')
      .filter((svc) => selects(svc, pod))
      .map((svc) => objectKey(svc));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.informers.services.indexer.get(key);
    const slices = this.informers.endpointslices
      .lister()
      .list(namespace)
      .filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name && s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER);
    // A Service without a selector has its endpoints written by someone else (the api-server writes the
    // `kubernetes` Service's slice with this controller's managed-by label): leave them, as kube's endpointslice
    // controller returns early for such Services. Only a Service that is gone loses what was written for it.
    if (svc && !managesEndpoints(svc)) return {};
    if (!svc) {
      for (const s of slices) await this.#ignoreNotFound(this.client.endpointslices.delete(s.metadata.name ?? '', { namespace }));
      const ep = this.informers.endpoints.indexer.get(key);
      if (!svc && ep) await this.#ignoreNotFound(this.client.endpoints.delete(name, { namespace }));
      return {};
    }
    const pods = this.informers.pods.lister().list(namespace).filter((p) => selects(svc, p));
    await this.#syncEndpoints(desiredEndpoints(svc, pods), this.informers.endpoints.indexer.get(key));
    await this.#syncSlices(desiredEndpointSlices(svc, pods), slices);
    return {};
  }

  async #syncEndpoints(want: Endpoints, have: Endpoints | undefined): Promise<void> {
    if (!have) {
      await this.client.endpoints.create(want, { namespace: want.metadata.namespace });
      return;
    }
    if (sameJSON(have.subsets ?? [], want.subsets ?? []) && sameJSON(have.metadata.labels ?? {}, want.metadata.labels ?? {})) return;
    await this.client.endpoints.update({ ...want, metadata: { ...have.metadata, labels: want.metadata.labels ?? {} } }, { namespace: want.metadata.namespace });
  }

  async #syncSlices(want: EndpointSlice[], have: EndpointSlice[]): Promise<void> {
    const existing = new Map(have.map((s) => [s.metadata.name, s]));
    for (const slice of want) {
      const cur = existing.get(slice.metadata.name);
      existing.delete(slice.metadata.name);
      if (!cur) {
        await this.client.endpointslices.create(slice, { namespace: slice.metadata.namespace });
        continue;
      }
      const same = sameJSON(cur.endpoints, slice.endpoints) && sameJSON(cur.ports ?? [], slice.ports ?? []) && sameJSON(cur.metadata.labels ?? {}, slice.metadata.labels);
      if (!same) await this.client.endpointslices.update({ ...slice, metadata: { ...cur.metadata, labels: slice.metadata.labels ?? {} } }, { namespace: slice.metadata.namespace });
    }
    for (const stale of existing.values()) await this.#ignoreNotFound(this.client.endpointslices.delete(stale.metadata.name ?? '', { namespace: stale.metadata.namespace }));
  }

  async #ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
