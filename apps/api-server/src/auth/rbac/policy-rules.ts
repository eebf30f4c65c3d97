/**
 * @module How PolicyRules match requests and each other (kube's pkg/apis/rbac/v1 evaluation helpers and
 * pkg/registry/rbac/validation Covers): used by the authorizer, the escalation checks and SelfSubjectRulesReview.
 */
import type { PolicyRule, Subject } from '@skiff/api';
import type { Attributes } from '../authorizer.js';
import { SERVICE_ACCOUNT_USER_PREFIX, type UserInfo } from '../user-info.js';

const ALL = '*';

const has = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes(ALL) || list.includes(value));

// resourceMatches is kube's ResourceMatches: `*`, `pods/log`, and `*/scale` for the scale subresource of any resource.
function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** nonResourceURLMatches: exact, `*`, or a trailing `*` matching any path with that prefix (`/healthz/*`). */
function nonResourceURLMatches(urls: readonly string[] | undefined, path: string): boolean {
  for (const u of urls ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** ruleAllows is kube's RuleAllows: whether one rule grants the request. */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule.nonResourceURLs, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, combined, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

/**
 * appliesTo is kube's appliesToUser: a User subject by name, a Group by membership, a ServiceAccount as
 * `system:serviceaccount:NS:NAME` (NS defaulting to the binding's namespace).
 */
export function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.username === `${SERVICE_ACCOUNT_USER_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** breakdownRule splits a rule into one rule per verb, group, resource and name (kube's BreakdownRule). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
      }
    }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function covers(owner: readonly string[] | undefined, servant: readonly string[] | undefined): boolean {
  return (servant ?? []).every((v) => (owner ?? []).includes(ALL) || (owner ?? []).includes(v));
}

function resourcesCovered(owner: readonly string[] | undefined, servant: readonly string[] | undefined): boolean {
  const o = owner ?? [];
  if (o.includes(ALL)) return true;
  return (servant ?? []).every((r) => o.includes(r) || (r.includes('/') && o.includes(`*/${r.slice(r.indexOf('/') + 1)}`)));
}

/** ruleCovers is kube's ruleCovers: whether `owner` grants at least everything `sub` (one broken-down rule) does. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  if (!covers(owner.verbs, sub.verbs) || !covers(owner.apiGroups, sub.apiGroups) || !resourcesCovered(owner.resources, sub.resources)) return false;
  if ((sub.nonResourceURLs ?? []).length > 0 && !(sub.nonResourceURLs ?? []).every((u) => nonResourceURLMatches(owner.nonResourceURLs, u))) return false;
  const ownerNames = owner.resourceNames ?? [];
  if (ownerNames.length === 0) return true;
  const subNames = sub.resourceNames ?? [];
  return subNames.length > 0 && subNames.every((n) => ownerNames.includes(n));
}

/** uncoveredRules is kube's Covers: the broken-down parts of `servant` that no rule of `owner` grants. */
export function uncoveredRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/**
 * describeRules prints missing rules as kube's escalation error does (CompactRules then CompactString, sorted):
 * `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`.
 */
export function describeRules(rules: readonly PolicyRule[]): string[] {
  const compact = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    // Simple resource rules (one group, one resource, no names) merge their verbs, as CompactRules does.
    if ((r.resourceNames ?? []).length === 0 && (r.nonResourceURLs ?? []).length === 0 && r.apiGroups?.length === 1 && r.resources?.length === 1) {
      const key = `${r.apiGroups[0]}\u0000${r.resources[0]}`;
      const seen = compact.get(key);
      if (seen) {
        for (const v of r.verbs) if (!seen.verbs.includes(v)) seen.verbs.push(v);
        continue;
      }
      const copy = { ...r, verbs: [...r.verbs] };
      compact.set(key, copy);
      out.push(copy);
    } else {
      out.push(r);
    }
  }
  const q = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
  const texts = out.map((r) => {
    const parts: string[] = [];
    if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
    if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
    if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
    if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
    parts.push(`Verbs:${q(r.verbs)}`);
    return `{${parts.join(', ')}}`;
  });
  return [...new Set(texts)].sort();
}
