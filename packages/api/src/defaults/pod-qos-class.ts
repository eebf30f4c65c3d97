/**
 * @module podQOSClass: the Guaranteed / Burstable / BestEffort class the scheduler and kubelet read.
 */
import type { Container, PodSpec } from '../pod.js';
import { Quantity, tryParseQuantity } from '../quantity.js';

export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * podQOSClass computes a pod's QoS class as core/helper/qos GetPodQOS does, over cpu and memory of all containers.
 * A resource with a limit but no request counts its limit as the request, as defaulting would make it, so the
 * answer is the same before and after applyDefaults.
 */
export function podQOSClass(pod: { spec: PodSpec }): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  for (const c of containers) {
    const limitsFound = new Set<string>();
    for (const name of QOS_RESOURCES) {
      const limit = positive(c.resources?.limits?.[name]);
      const request = positive(c.resources?.requests?.[name] ?? c.resources?.limits?.[name]);
      if (request) requests.set(name, (requests.get(name) ?? Quantity.zero()).add(request));
      if (limit) {
        limitsFound.add(name);
        limits.set(name, (limits.get(name) ?? Quantity.zero()).add(limit));
      }
    }
    if (limitsFound.size < QOS_RESOURCES.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function positive(raw: string | undefined): Quantity | undefined {
  const q = raw === undefined ? undefined : tryParseQuantity(raw);
  return q && q.sign() > 0 ? q : undefined;
}
