/**
 * @module Selector, a compiled label selector (apimachinery labels.Selector), with everything() and nothing().
 */
import { compareStrings, type Requirement } from './requirement.js';

/** Selector is a parsed, validated label selector ready to match label sets many times over. */
export interface Selector {
  /** matches reports whether the labels satisfy every requirement; allocation-free. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** empty is true for the selector that selects everything (no requirements). */
  readonly empty: boolean;
  /** toString is the canonical string form: requirements sorted by key, joined by ",". */
  toString(): string;
  readonly requirements: readonly Requirement[];
}

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];
  readonly empty: boolean;
  readonly #text: string;

  constructor(requirements: readonly Requirement[]) {
    // Stable sort by key, as internalSelector sorts ByKey, so equal selectors print alike.
    this.requirements = [...requirements].sort((a, b) => compareStrings(a.key, b.key));
    this.empty = this.requirements.length === 0;
    this.#text = this.requirements.map((r) => r.toString()).join(',');
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) if (!reqs[i]!.matches(labels)) return false;
    return true;
  }

  toString(): string {
    return this.#text;
  }
}

const NOTHING: Selector = Object.freeze({
  matches: () => false,
  empty: false,
  toString: () => '',
  requirements: Object.freeze([]) as readonly Requirement[],
});

const EVERYTHING: Selector = new RequirementsSelector([]);

/** selectorFromRequirements builds a Selector that ANDs the requirements (labels.NewSelector().Add). */
export function selectorFromRequirements(requirements: readonly Requirement[]): Selector {
  return requirements.length === 0 ? EVERYTHING : new RequirementsSelector(requirements);
}

/**
 * Selector holds the two fixed selectors: everything() matches any label set (the empty selector) and nothing()
 * matches none, which is what a nil metav1.LabelSelector means in a controller's spec.
 */
export const Selector = {
  everything(): Selector {
    return EVERYTHING;
  },
  nothing(): Selector {
    return NOTHING;
  },
} as const;
