/**
 * @module aggregateRules: the rules of an aggregated ClusterRole, as kube's ClusterRoleAggregationController
 * computes them. Shared by the api-server (first rules of the default roles) and the controller-manager.
 */
import { selectorFromLabelSelector } from '../selectors/label-selector.js';
import type { ClusterRole, PolicyRule } from './rbac-types.js';

/**
 * aggregateRules is the union of the rules of every other ClusterRole any of `role`'s selectors match, visited by
 * name, each rule once (kube's ruleExists is semantic equality); undefined when `role` aggregates nothing.
 */
export function aggregateRules(role: ClusterRole, all: Iterable<ClusterRole>): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const matchers = selectors.map((s) => selectorFromLabelSelector(s));
  const sources = [...all]
    .filter((r) => r.metadata.name !== role.metadata.name && matchers.some((m) => m.matches(r.metadata.labels ?? {})))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const seen = new Set<string>();
  const rules: PolicyRule[] = [];
  for (const source of sources) {
    for (const r of source.rules ?? []) {
      const key = ruleKey(r);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(structuredClone(r));
    }
  }
  return rules;
}

/** ruleKey identifies a rule by content: absent and empty lists are the same rule. */
function ruleKey(r: PolicyRule): string {
  return JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);
}
