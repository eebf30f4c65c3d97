/**
 * @module BackendPicker: which ready endpoint a new connection to a Service port goes to: round-robin, or with
 * sessionAffinity ClientIP the endpoint the client was last sent to, until `timeoutSeconds` pass without a
 * connection (kube-proxy's userspace LoadBalancerRR).
 */
import type { Service } from '@skiff/api';
import type { Clock } from '@skiff/controller-kit';
import type { Backend } from '../service-table.js';

/** DEFAULT_AFFINITY_SECONDS is Kubernetes' default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10_800;

export interface Affinity {
  clientIP: boolean;
  timeoutSeconds: number;
}

/** affinityOf reads a Service's sessionAffinity and its timeout (default 3 hours, as Kubernetes defaults it). */
export function affinityOf(svc: Service | undefined): Affinity {
  return {
    clientIP: svc?.spec?.sessionAffinity === 'ClientIP',
    timeoutSeconds: svc?.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS,
  };
}

/** pickerKey names one Service port in the picker's round-robin and affinity state. */
export const pickerKey = (namespace: string, service: string, portName: string): string => `${namespace}/${service}:${portName}`;

interface Sticky {
  backend: string;
  lastUsedMs: number;
}

const id = (b: Backend): string => `${b.ip}:${b.port}`;

export class BackendPicker {
  readonly #clock: Clock;
  readonly #next = new Map<string, number>();
  readonly #sticky = new Map<string, Map<string, Sticky>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** pick returns the backend for a connection from `clientIP` to the Service port `key`, or undefined if none is ready. */
  pick(key: string, backends: readonly Backend[], clientIP: string, affinity: Affinity): Backend | undefined {
    if (backends.length === 0) return undefined;
    const now = this.#clock.now();
    if (affinity.clientIP) {
      const clients = this.#sticky.get(key) ?? this.#sticky.set(key, new Map()).get(key)!;
      const s = clients.get(clientIP);
      const kept = s && now - s.lastUsedMs < affinity.timeoutSeconds * 1000 ? backends.find((b) => id(b) === s.backend) : undefined;
      const chosen = kept ?? this.#roundRobin(key, backends);
      clients.set(clientIP, { backend: id(chosen), lastUsedMs: now });
      return chosen;
    }
    return this.#roundRobin(key, backends);
  }

  /** forget drops the state of a Service port that is gone. */
  forget(key: string): void {
    this.#next.delete(key);
    this.#sticky.delete(key);
  }

  #roundRobin(key: string, backends: readonly Backend[]): Backend {
    // Sorted so the rotation does not depend on the order endpoints arrived in.
    const sorted = [...backends].sort((a, b) => id(a).localeCompare(id(b)));
    const i = (this.#next.get(key) ?? 0) % sorted.length;
    this.#next.set(key, i + 1);
    return sorted[i]!;
  }
}
