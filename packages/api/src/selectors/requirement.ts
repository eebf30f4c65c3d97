/**
 * @module Requirement, one term of a label selector (apimachinery labels.Requirement).
 */
import { ApiError } from '../status.js';
import { labelKeyErrors, labelValueErrors } from './label-validation.js';

/** Operator is selection.Operator for label selectors, spelled as on the wire. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!';

/** RequirementError carries a field-error text ("key: Invalid value: ...") that parsers wrap in their own message. */
export class RequirementError extends Error {
  override readonly name = 'RequirementError';
}

const invalid = (path: string, value: unknown, detail: string): RequirementError =>
  new RequirementError(`${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`);

/**
 * Requirement is one compiled selector term. Values are deduplicated and sorted (as labels.NewRequirement does)
 * so `toString()` is canonical, and membership is precomputed so `matches` allocates nothing: the watch hub
 * calls it once per event per watcher.
 */
export class Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
  readonly #negated: boolean;
  readonly #single: string | undefined;
  readonly #set: ReadonlySet<string> | undefined;

  /** Use newRequirement, which validates; the constructor trusts its input. */
  private constructor(key: string, operator: Operator, values: readonly string[]) {
    this.key = key;
    this.operator = operator;
    this.values = values;
    this.#negated = operator === '!=' || operator === 'notin';
    this.#single = values.length === 1 ? values[0] : undefined;
    this.#set = values.length > 1 ? new Set(values) : undefined;
  }

  /**
   * create validates the key, the values and their count for the operator, throwing RequirementError
   * with apimachinery's texts.
   */
  static create(key: string, operator: Operator, values: readonly string[]): Requirement {
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) throw invalid('key', key, keyErrs.join('; '));
    switch (operator) {
      case 'in':
      case 'notin':
        if (values.length === 0) throw invalid('values', values, "for 'in', 'notin' operators, values set can't be empty");
        break;
      case '=':
      case '==':
      case '!=':
        if (values.length !== 1) throw invalid('values', values, 'exact-match compatibility requires one single value');
        break;
      case 'exists':
      case '!':
        if (values.length !== 0) throw invalid('values', values, 'values set must be empty for exists and does not exist');
        break;
      default:
        throw new RequirementError(`operator: Unsupported value: ${JSON.stringify(operator)}`);
    }
    values.forEach((v, i) => {
      const errs = labelValueErrors(v);
      if (errs.length) throw invalid(`values[${i}][${key}]`, v, errs.join('; '));
    });
    const sorted = [...new Set(values)].sort(compareStrings);
    return new Requirement(key, operator, sorted);
  }

  /** matches reports whether a label set satisfies this term; an absent label fails `=`/`in`/`exists` and passes `!=`/`notin`/`!`. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    // typeof guards against inherited members such as "constructor", which are valid label keys.
    const raw = labels === undefined ? undefined : labels[this.key];
    const value = typeof raw === 'string' ? raw : undefined;
    if (this.operator === 'exists') return value !== undefined;
    if (this.operator === '!') return value === undefined;
    if (value === undefined) return this.#negated;
    const found = this.#set !== undefined ? this.#set.has(value) : value === this.#single;
    return found !== this.#negated;
  }

  /** toString renders the term as labels.Requirement.String does: "k=v", "k in (a,b)", "!k". */
  toString(): string {
    switch (this.operator) {
      case '!':
        return `!${this.key}`;
      case 'exists':
        return this.key;
      case 'in':
      case 'notin':
        return `${this.key} ${this.operator} (${this.values.join(',')})`;
      default:
        return `${this.key}${this.operator}${this.values[0] ?? ''}`;
    }
  }
}

/** newRequirement builds a validated Requirement; see Requirement.create. */
export const newRequirement = (key: string, operator: Operator, values: readonly string[] = []): Requirement =>
  Requirement.create(key, operator, values);

/** compareStrings orders by UTF-16 code units, which equals Go's byte order for the ASCII that labels allow. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** requirementBadRequest wraps a RequirementError as kube's parser does: "unable to parse requirement: ...". */
export function requirementBadRequest(err: unknown): ApiError {
  if (err instanceof RequirementError) return new ApiError({ reason: 'BadRequest', message: `unable to parse requirement: ${err.message}` });
  if (err instanceof ApiError) return err;
  return new ApiError({ reason: 'BadRequest', message: err instanceof Error ? err.message : String(err) });
}
