/**
 * @module nodeSelectorTermMatches: node selector terms as component-helpers nodeaffinity evaluates them.
 */
import type { Node } from './node.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from './pod.js';

// strconv.ParseInt(s, 10, 64) accepts an optional sign and decimal digits only.
const INTEGER = /^[+-]?\d+$/;

/**
 * nodeSelectorRequirementMatches applies one label requirement to a node's label value (undefined: no such
 * label). In, NotIn need values and Exists, DoesNotExist none; Gt and Lt need one integer value and an integer
 * label. A requirement that breaks those rules matches nothing, as nodeaffinity treats a parse error.
 */
export function nodeSelectorRequirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return values.length > 0 && value !== undefined && values.includes(value);
    case 'NotIn':
      return values.length > 0 && (value === undefined || !values.includes(value));
    case 'Exists':
      return values.length === 0 && value !== undefined;
    case 'DoesNotExist':
      return values.length === 0 && value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !INTEGER.test(value) || !INTEGER.test(values[0]!)) return false;
      const have = BigInt(value);
      const bound = BigInt(values[0]!);
      return r.operator === 'Gt' ? have > bound : have < bound;
    }
    default:
      return false;
  }
}

/** nodeFieldRequirementMatches applies one matchFields entry: only `metadata.name`, In or NotIn with one value. */
function nodeFieldRequirementMatches(r: NodeSelectorRequirement, node: Node): boolean {
  if (r.key !== 'metadata.name' || r.values?.length !== 1) return false;
  if (r.operator === 'In') return node.metadata.name === r.values[0];
  if (r.operator === 'NotIn') return node.metadata.name !== r.values[0];
  return false;
}

/**
 * nodeSelectorTermMatches ANDs a term's label expressions and field expressions. A term with no requirements
 * matches nothing, as in kube.
 */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  // hasOwn: an inherited member such as "constructor" is not a label.
  for (const r of exprs) if (!nodeSelectorRequirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) return false;
  for (const r of fields) if (!nodeFieldRequirementMatches(r, node)) return false;
  return true;
}
