/**
 * @module TokenManager: kubelet's pkg/kubelet/token manager. Pod-bound ServiceAccount tokens for projected
 * `serviceAccountToken` volumes, fetched through TokenRequest and kept until 80% of their life is gone.
 */
import type { Pod } from '@skiff/api';

/** What TokenRequest answers (authentication.k8s.io/v1 TokenRequestStatus). */
export interface IssuedToken {
  token: string;
  expirationTimestamp: string;
}

/** The TokenRequest spec the agent sends for a pod's volume. */
export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef: { apiVersion: 'v1'; kind: 'Pod'; name: string; uid: string };
}

export interface TokenManagerOptions {
  /** POSTs serviceaccounts/NAME/token in `namespace`. */
  request(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<IssuedToken>;
  clock: { now(): number };
  /** Told when a refresh fails while the cached token is still good (it is served meanwhile). */
  onRefreshError?(err: unknown, pod: string): void;
}

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
  podUid: string;
}

/** Kubelet refreshes a token at the latest after a day, whatever its lifetime. */
const MAX_TTL_MS = 24 * 3600 * 1000;

export class TokenManager {
  readonly #o: TokenManagerOptions;
  readonly #cache = new Map<string, Cached>();

  constructor(opts: TokenManagerOptions) {
    this.#o = opts;
  }

  /**
   * get answers the pod's token for `audience` (undefined: the api-server's) and lifetime, fetching a new one when
   * there is none, it has used 80% of its life or a day, or the pod is a new one under the same name. A failed
   * refresh keeps serving the old token while it is valid; a failed first fetch throws (FailedMount, retried).
   */
  async get(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid ?? '';
    const sa = pod.spec.serviceAccountName || 'default';
    const key = JSON.stringify([ns, name, uid, sa, audience ?? '', expirationSeconds]);
    const now = this.#o.clock.now();
    const cached = this.#cache.get(key);
    if (cached && !this.#requiresRefresh(cached, now)) return cached.token;
    try {
      const issued = await this.#o.request(ns, sa, {
        audiences: audience ? [audience] : [],
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid },
      });
      const expiresAt = Date.parse(issued.expirationTimestamp);
      if (!issued.token || Number.isNaN(expiresAt)) throw new Error('TokenRequest answered without a token or expirationTimestamp');
      // The server may shorten the lifetime: the refresh point follows what it granted, counted from now.
      this.#cache.set(key, { token: issued.token, issuedAt: now, expiresAt, podUid: uid });
      return issued.token;
    } catch (err) {
      if (cached && cached.expiresAt > now) {
        this.#o.onRefreshError?.(err, `${ns}/${name}`);
        return cached.token;
      }
      throw new Error(`failed to fetch token: ${(err as Error).message}`, { cause: err });
    }
  }

  /** forget drops the tokens of a pod that is gone (kubelet's DeleteServiceAccountToken). */
  forget(podUid: string): void {
    for (const [k, v] of this.#cache) if (v.podUid === podUid) this.#cache.delete(k);
  }

  /** size is how many tokens are cached (for tests and metrics). */
  get size(): number {
    return this.#cache.size;
  }

  #requiresRefresh(t: Cached, now: number): boolean {
    if (now >= t.issuedAt + MAX_TTL_MS) return true;
    return now >= t.issuedAt + (t.expiresAt - t.issuedAt) * 0.8;
  }
}
