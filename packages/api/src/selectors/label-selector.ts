/**
 * @module selectorFromLabelSelector and labelSelectorToString: metav1.LabelSelector specs as Selectors.
 */
import type { LabelSelector } from '../meta.js';
import { newRequirement, requirementBadRequest, type Operator, type Requirement } from './requirement.js';
import { Selector, selectorFromRequirements } from './selector.js';

const OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * selectorFromLabelSelector converts a spec selector as metav1.LabelSelectorAsSelector does: an absent spec
 * selects nothing (so a controller with no selector adopts no pods), an empty `{}` selects everything, and
 * matchLabels entries become `k=v` terms ANDed with the matchExpressions. Invalid keys, values or operators
 * throw a 400 BadRequest ApiError.
 */
export function selectorFromLabelSelector(spec: LabelSelector | undefined | null): Selector {
  if (spec === undefined || spec === null) return Selector.nothing();
  const labels = spec.matchLabels ?? {};
  const exprs = spec.matchExpressions ?? [];
  const reqs: Requirement[] = [];
  try {
    for (const [key, value] of Object.entries(labels)) reqs.push(newRequirement(key, '=', [value]));
    for (const expr of exprs) {
      const op = Object.hasOwn(OPERATORS, expr.operator) ? OPERATORS[expr.operator] : undefined;
      if (!op) throw new Error(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(expr.key, op, expr.values ?? []));
    }
  } catch (e) {
    throw requirementBadRequest(e);
  }
  return selectorFromRequirements(reqs);
}

/**
 * labelSelectorToString renders a spec selector in the string form that Scale's `status.selector` carries and
 * `?labelSelector=` accepts, e.g. "app=web,tier in (api,db)"; requirements are sorted by key as in kube. An
 * absent or empty spec renders as "".
 */
export function labelSelectorToString(spec: LabelSelector | undefined | null): string {
  return selectorFromLabelSelector(spec).toString();
}
