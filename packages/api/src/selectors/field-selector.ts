/**
 * @module FieldSelector and parseFieldSelector (apimachinery fields.ParseSelector): `=`, `==`, `!=` terms ANDed by commas.
 */
import { ApiError } from '../status.js';
import { compareStrings } from './requirement.js';

/** FieldOperator is one of the three operators field selectors allow. */
export type FieldOperator = '=' | '==' | '!=';

/** FieldRequirement is one term of a field selector; a missing field counts as the empty string. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** FieldSelector is a parsed field selector, matched against the flat field set from fieldsFor. */
export interface FieldSelector {
  /** matches reports whether every term holds; allocation-free. Missing fields read as "". */
  matches(fields: Readonly<Record<string, string>>): boolean;
  readonly requirements: readonly FieldRequirement[];
  /** empty is true when there are no terms (selects everything). */
  readonly empty: boolean;
  /** exactMatch returns v when a term `field=v` is present, so a caller can use an index (fields.RequiresExactMatch). */
  exactMatch(field: string): string | undefined;
  toString(): string;
}

/** escapeFieldValue escapes `\`, `,` and `=` as fields.EscapeValue does. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

class TermsSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  readonly #fields: readonly string[];
  readonly #values: readonly string[];
  readonly #negated: readonly boolean[];
  readonly #text: string;

  constructor(requirements: readonly FieldRequirement[]) {
    this.requirements = [...requirements].sort((a, b) => compareStrings(a.field, b.field));
    this.empty = this.requirements.length === 0;
    // Parallel arrays keep the hot loop monomorphic and free of property lookups on varied objects.
    this.#fields = this.requirements.map((r) => r.field);
    this.#values = this.requirements.map((r) => r.value);
    this.#negated = this.requirements.map((r) => r.operator === '!=');
    this.#text = this.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
  }

  matches(fields: Readonly<Record<string, string>>): boolean {
    const names = this.#fields;
    for (let i = 0; i < names.length; i++) {
      const raw = fields[names[i]!];
      const actual = typeof raw === 'string' ? raw : '';
      if ((actual === this.#values[i]) === this.#negated[i]) return false;
    }
    return true;
  }

  exactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator !== '!=') return r.value;
    return undefined;
  }

  toString(): string {
    return this.#text;
  }
}

const EVERYTHING: FieldSelector = new TermsSelector([]);

/** fieldSelectorFromRequirements builds a FieldSelector that ANDs the given terms. */
export function fieldSelectorFromRequirements(requirements: readonly FieldRequirement[]): FieldSelector {
  return requirements.length === 0 ? EVERYTHING : new TermsSelector(requirements);
}

/** FieldSelector.everything() is the empty field selector. */
export const FieldSelector = {
  everything(): FieldSelector {
    return EVERYTHING;
  },
} as const;

const badRequest = (message: string): ApiError => new ApiError({ reason: 'BadRequest', message });

/** splitTerms splits on commas that are not escaped with a backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** unescapeValue reverses escapeFieldValue; a bare `,`/`=` or an unknown escape is an error, as in kube. */
function unescapeValue(v: string): string {
  if (!/[\\,=]/.test(v)) return v;
  let out = '';
  let escaped = false;
  for (const c of v) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: '${c}'`);
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * parseFieldSelector parses `?fieldSelector=` text such as `spec.nodeName=node1,status.phase!=Failed`. Only
 * `=`, `==` and `!=` exist for fields; values escape `\`, `,` and `=` with a backslash. `spec.nodeName=` (empty
 * value) is valid and selects objects whose field is empty or absent. Syntax errors throw 400 BadRequest.
 * Whether the fields exist for a resource is checked separately by validateFieldSelector.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(s)) {
    if (term === '') continue;
    const m = /!=|==|=/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const operator = m[0] as FieldOperator;
    reqs.push({ field: term.slice(0, m.index), operator, value: unescapeValue(term.slice(m.index + operator.length)) });
  }
  return fieldSelectorFromRequirements(reqs);
}
