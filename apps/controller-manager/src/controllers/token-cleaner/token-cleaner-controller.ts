/**
 * @module TokenCleaner: kube's tokencleaner (pkg/controller/bootstrap): expired bootstrap token Secrets in
 * kube-system are deleted at their `expiration`. Keys are `kube-system/<secret name>`.
 */
import { isNotFound, RESOURCES, type KubeObject, type Secret } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

const TOKEN_NAMESPACE = 'kube-system';
const TOKEN_TYPE = 'bootstrap.kubernetes.io/token';

const isToken = (obj: KubeObject): boolean => obj.metadata.namespace === TOKEN_NAMESPACE && (obj as Secret).type === TOKEN_TYPE;

export class TokenCleaner extends ManagedController {
  constructor(opts: ControllerDeps) {
    super('tokencleaner', opts, 1);
    const secrets = this.informers.resources.get(RESOURCES.secrets.plural)!;
    const key = (s: KubeObject): string => `${s.metadata.namespace}/${s.metadata.name}`;
    this.watch([
      watch.handler(secrets, (queue) => ({
        onAdd: (s) => isToken(s) && queue.add(key(s)),
        onUpdate: (_old, s) => isToken(s) && queue.add(key(s)),
      })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const s = this.informers.resources.get(RESOURCES.secrets.plural)!.lister().get(key);
    if (!s || !isToken(s) || s.metadata.deletionTimestamp) return {};
    const raw = (s as Secret).data?.['expiration'];
    if (raw === undefined) return {};
    const at = Date.parse(Buffer.from(raw, 'base64').toString('utf8'));
    const now = this.clock.now();
    // An expiration that does not parse is expired (kube: "Unparseable expiration time ... Treating as expired").
    if (!Number.isNaN(at) && at > now) return { requeueAfterMs: at - now };
    try {
      await this.client.resource(RESOURCES.secrets).delete(s.metadata.name ?? '', { namespace: TOKEN_NAMESPACE, preconditions: { uid: s.metadata.uid ?? '' } });
      this.log.info({ secret: key }, 'deleted expired bootstrap token');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }
}
