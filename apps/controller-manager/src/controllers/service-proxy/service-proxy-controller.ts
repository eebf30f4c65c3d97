import { isAlreadyExists, isNotFound, type Deployment, type Service } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import {
  DESIRED_ANNOTATION,
  NODEPORT_FOR_LABEL,
  SYSTEM_NAMESPACE,
  dnsService,
  nodePortDeployment,
  proxyDeployment,
  type ServiceProxyConfig,
  PROXY_SERVICE_ACCOUNT,
} from './service-proxy-objects.js';

/** The controller's one key: every object it keeps is derived from the whole set of Services. */
const KEY = 'service-proxy';

/**
 * ServiceProxyController deploys the Service data path (docs/services.md): it keeps kube-system's kube-dns Service,
 * the skiff-service-proxy Deployment and one NodePort relay Deployment per NodePort Service, recreating what is
 * deleted, rolling what drifted from the flags or the Service, and removing relays whose Service went. The workloads
 * themselves are ordinary Deployments, so a dead node's proxy is evicted and rescheduled like any pod.
 */
export class ServiceProxyController extends ManagedController {
  readonly #cfg: ServiceProxyConfig;

  constructor(opts: ControllerDeps & { config: ServiceProxyConfig }) {
    super('serviceproxy', opts, 1);
    this.#cfg = opts.config;
    const all = (): string => KEY;
    this.watch(
      [
        watch.mapped<Service, string>(this.informers.services, all),
        watch.mapped<Deployment, string>(this.informers.deployments, (d) => (d.metadata.namespace === SYSTEM_NAMESPACE ? KEY : undefined)),
      ],
      [KEY],
    );
  }

  async reconcile(): Promise<ReconcileResult> {
    await this.#ensureService();
    await this.#ensureServiceAccount();
    const wanted = new Map<string, Deployment>();
    const proxy = proxyDeployment(this.#cfg);
    wanted.set(proxy.metadata.name!, proxy);
    for (const svc of this.informers.services.lister().list()) {
      const relay = nodePortDeployment(svc, this.#cfg);
      if (relay) wanted.set(relay.metadata.name!, relay);
    }
    for (const d of wanted.values()) await this.#ensureDeployment(d);
    for (const d of this.informers.deployments.lister().list()) {
      if (d.metadata.namespace !== SYSTEM_NAMESPACE || !d.metadata.labels?.[NODEPORT_FOR_LABEL] || wanted.has(d.metadata.name ?? '')) continue;
      try {
        await this.client.deployments.delete(d.metadata.name ?? '', { namespace: SYSTEM_NAMESPACE, propagationPolicy: 'Background' });
        this.log.info({ name: d.metadata.name }, 'removed NodePort relay');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return {};
  }

  async #ensureService(): Promise<void> {
    const want = dnsService(this.#cfg);
    const have = this.informers.services.lister().get(`${SYSTEM_NAMESPACE}/${want.metadata.name}`);
    if (have) {
      // A kube-dns made by an older Skiff has no TCP port: its ports follow ours, its ClusterIP stays (immutable).
      const ports = (s: Service): string => JSON.stringify((s.spec?.ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP']));
      if (ports(have) === ports(want)) return;
      await this.client.services.update({ ...have, spec: { ...have.spec, ports: want.spec!.ports! } }, { namespace: SYSTEM_NAMESPACE });
      this.log.info({ ports: want.spec?.ports }, 'updated kube-dns Service ports');
      return;
    }
    try {
      await this.client.services.create(want, { namespace: SYSTEM_NAMESPACE });
      this.log.info({ clusterIP: want.spec?.clusterIP }, 'created kube-dns Service');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** The proxy's identity: bound to system:node-proxier by the api-server's bootstrap policy, as kube-proxy is. */
  async #ensureServiceAccount(): Promise<void> {
    try {
      await this.client.serviceaccounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: PROXY_SERVICE_ACCOUNT, namespace: SYSTEM_NAMESPACE } }, { namespace: SYSTEM_NAMESPACE });
      this.log.info({ name: PROXY_SERVICE_ACCOUNT }, 'created the service proxy ServiceAccount');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async #ensureDeployment(want: Deployment): Promise<void> {
    const name = want.metadata.name ?? '';
    const have = this.informers.deployments.lister().get(`${SYSTEM_NAMESPACE}/${name}`);
    if (!have) {
      try {
        await this.client.deployments.create(want, { namespace: SYSTEM_NAMESPACE });
        this.log.info({ name }, 'created service data path Deployment');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if (have.metadata.annotations?.[DESIRED_ANNOTATION] === want.metadata.annotations?.[DESIRED_ANNOTATION]) return;
    await this.client.deployments.update(
      { ...have, metadata: { ...have.metadata, labels: want.metadata.labels, annotations: { ...have.metadata.annotations, ...want.metadata.annotations } }, spec: want.spec },
      { namespace: SYSTEM_NAMESPACE },
    );
    this.log.info({ name }, 'updated service data path Deployment');
  }
}
