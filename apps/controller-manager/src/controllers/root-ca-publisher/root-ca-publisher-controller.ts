/**
 * @module RootCAPublisher: kube's root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher): every
 * namespace gets the ConfigMap `kube-root-ca.crt` holding the cluster CA (`ca.crt`), which the automounted
 * kube-api-access volume projects into pods so they can verify the api-server.
 */
import { isAlreadyExists, isNotFound, RESOURCES, ROOT_CA_CONFIG_MAP, type ConfigMap, type KubeObject } from '@skiff/api';
import { unwrapTombstone, watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

/** kube's description annotation on the ConfigMap. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCAPublisherOptions extends ControllerDeps {
  /** The PEM bundle to publish (--root-ca-file's content). */
  rootCA: string;
}

/** RootCAPublisher keeps kube-root-ca.crt in every active namespace equal to the root CA. Keys are namespace names. */
export class RootCAPublisher extends ManagedController {
  readonly #rootCA: string;

  constructor(opts: RootCAPublisherOptions) {
    super('root-ca-cert-publisher', opts, 1);
    this.#rootCA = opts.rootCA;
    const configmaps = this.informers.resources.get(RESOURCES.configmaps.plural)!;
    const ofOurs = (obj: KubeObject, add: (ns: string) => void): void => {
      if (obj.metadata.name === ROOT_CA_CONFIG_MAP) add(obj.metadata.namespace ?? '');
    };
    this.watch([
      watch.handler(this.informers.namespaces, (queue) => ({
        onAdd: (ns) => queue.add(ns.metadata.name ?? ''),
        onUpdate: (_old, ns) => queue.add(ns.metadata.name ?? ''),
      })),
      watch.handler(configmaps, (queue) => ({
        onUpdate: (_old, cm) => ofOurs(cm, (ns) => queue.add(ns)),
        onDelete: (obj) => ofOurs(unwrapTombstone(obj), (ns) => queue.add(ns)),
      })),
    ]);
  }

  async reconcile(namespace: string): Promise<ReconcileResult> {
    const ns = this.informers.namespaces.indexer.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return {};
    const api = this.client.resource(RESOURCES.configmaps);
    const current = this.informers.resources.get(RESOURCES.configmaps.plural)!.lister().get(`${namespace}/${ROOT_CA_CONFIG_MAP}`) as ConfigMap | undefined;
    const data = { 'ca.crt': this.#rootCA };
    try {
      if (!current) {
        const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
        await api.create(cm as unknown as KubeObject, { namespace });
        this.log.info({ namespace }, 'published the root CA');
        return {};
      }
      const same = JSON.stringify(current.data ?? {}) === JSON.stringify(data) && !current.binaryData && current.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
      if (same) return {};
      // Anything else someone put there is replaced: pods must find exactly the cluster's CA.
      const next: ConfigMap = { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
      delete next.binaryData;
      await api.update(next as unknown as KubeObject, { namespace });
    } catch (err) {
      // Made already (by a previous run, before the cache saw it), or the namespace just went: the watch brings us back.
      if (!isAlreadyExists(err) && !isNotFound(err)) throw err;
    }
    return {};
  }
}
