/**
 * @module InterPodAntiAffinity: required pod anti-affinity, both ways (plugins/interpodaffinity, filtering half).
 */
import { selectorFromLabelSelector, type Node, type Pod, type PodAffinityTerm } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unschedulable, type Status } from '../../framework/status.js';

/** HOSTNAME_LABEL is the usual topology key; a node without the label counts as its own hostname domain. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

interface AntiAffinityState {
  /** Topology domains ("key=value") holding a pod that the incoming pod's own terms forbid sharing with. */
  forbiddenByIncoming: Set<string>;
  /** Topology domains holding a pod whose own required anti-affinity forbids the incoming pod (symmetry). */
  forbiddenByExisting: Set<string>;
}

function topologyValue(node: Node | undefined, key: string, name: string): string | undefined {
  const v = node?.metadata.labels?.[key];
  if (v !== undefined) return v;
  return key === HOSTNAME_LABEL ? name : undefined;
}

function termMatches(term: PodAffinityTerm, owner: Pod, candidate: Pod): boolean {
  const namespaces = term.namespaces?.length ? term.namespaces : [owner.metadata.namespace ?? 'default'];
  if (!namespaces.includes(candidate.metadata.namespace ?? 'default')) return false;
  try {
    return selectorFromLabelSelector(term.labelSelector).matches(candidate.metadata.labels ?? {});
  } catch {
    return false;
  }
}

function requiredTerms(pod: Pod): PodAffinityTerm[] {
  return pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

/**
 * InterPodAntiAffinity rejects a node whose topology domain (usually the node itself, `kubernetes.io/hostname`)
 * already holds a pod that the incoming pod's required anti-affinity terms select, or a pod whose own required
 * anti-affinity selects the incoming pod. Domains are computed once per cycle over the snapshot.
 */
export class InterPodAntiAffinity implements FilterPlugin {
  readonly name = 'InterPodAffinity';

  filter(state: CycleState, node: NodeInfo): Status {
    const s = state.read<AntiAffinityState>(this.name, () => this.#prepare(state));
    if (s.forbiddenByIncoming.size === 0 && s.forbiddenByExisting.size === 0) return SUCCESS;
    for (const term of requiredTerms(state.pod)) {
      const v = topologyValue(node.node, term.topologyKey, node.name);
      if (v !== undefined && s.forbiddenByIncoming.has(`${term.topologyKey}=${v}`)) return unschedulable("node(s) didn't match pod anti-affinity rules");
    }
    for (const domain of s.forbiddenByExisting) {
      const key = domain.slice(0, domain.indexOf('='));
      const v = topologyValue(node.node, key, node.name);
      if (v !== undefined && domain === `${key}=${v}`) return unschedulable("node(s) didn't satisfy existing pods anti-affinity rules");
    }
    return SUCCESS;
  }

  #prepare(state: CycleState): AntiAffinityState {
    const out: AntiAffinityState = { forbiddenByIncoming: new Set(), forbiddenByExisting: new Set() };
    const own = requiredTerms(state.pod);
    for (const info of state.snapshot.nodes) {
      if (own.length > 0) {
        for (const term of own) {
          const v = topologyValue(info.node, term.topologyKey, info.name);
          if (v === undefined) continue;
          for (const p of info.pods.values()) {
            if (termMatches(term, state.pod, p.pod)) {
              out.forbiddenByIncoming.add(`${term.topologyKey}=${v}`);
              break;
            }
          }
        }
      }
      for (const p of info.podsWithRequiredAntiAffinity) {
        for (const term of requiredTerms(p.pod)) {
          const v = topologyValue(info.node, term.topologyKey, info.name);
          if (v !== undefined && termMatches(term, p.pod, state.pod)) out.forbiddenByExisting.add(`${term.topologyKey}=${v}`);
        }
      }
    }
    return out;
  }
}
