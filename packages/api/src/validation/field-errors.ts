/**
 * @module FieldErrors: collects validation causes with apimachinery's field.Error message forms.
 */
import type { StatusCause } from '../status.js';

/**
 * formatValue prints a bad value the way field.Error does with Go's fmt: strings quoted, numbers and booleans
 * bare, string maps as `map[string]string{"app":"x"}`, anything else as JSON.
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return 'null';
  const values = typeof value === 'object' ? Object.values(value) : [];
  // Empty objects print as JSON: they are usually structs (an empty selector), not label maps.
  if (!Array.isArray(value) && values.length > 0 && values.every((v) => typeof v === 'string')) {
    const entries = Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * FieldErrors accumulates every problem with an object so one 422 lists them all, as field.ErrorList does;
 * each method mirrors a field.* constructor and its message.
 */
export class FieldErrors {
  readonly causes: StatusCause[] = [];

  get length(): number {
    return this.causes.length;
  }

  required(field: string, detail = ''): void {
    this.push('FieldValueRequired', field, `Required value${detail ? `: ${detail}` : ''}`);
  }

  invalid(field: string, value: unknown, detail: string): void {
    this.push('FieldValueInvalid', field, `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}`);
  }

  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    const list = [...supported].sort().map((s) => JSON.stringify(s)).join(', ');
    this.push('FieldValueNotSupported', field, `Unsupported value: ${formatValue(value)}: supported values: ${list}`);
  }

  forbidden(field: string, detail: string): void {
    this.push('FieldValueForbidden', field, `Forbidden: ${detail}`);
  }

  duplicate(field: string, value: unknown): void {
    this.push('FieldValueDuplicate', field, `Duplicate value: ${formatValue(value)}`);
  }

  notFound(field: string, value: unknown): void {
    this.push('FieldValueNotFound', field, `Not found: ${formatValue(value)}`);
  }

  tooLong(field: string, max: number): void {
    this.push('FieldValueTooLong', field, `Too long: may not be more than ${max} bytes`);
  }

  /** tooMany is field.TooMany: a list with more items than allowed. */
  tooMany(field: string, actual: number, max: number): void {
    this.push('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`);
  }

  /** immutable records a change to a field that may only be set once. */
  immutable(field: string, value: unknown): void {
    this.invalid(field, value, 'field is immutable');
  }

  /** nonNegative checks the common "must be greater than or equal to 0" rule. */
  nonNegative(field: string, value: number | undefined): void {
    if (value !== undefined && value < 0) this.invalid(field, value, 'must be greater than or equal to 0');
  }

  /** each records one Invalid cause per message from a name-rule check. */
  each(field: string, value: unknown, messages: readonly string[]): void {
    for (const m of messages) this.invalid(field, value, m);
  }

  private push(reason: string, field: string, message: string): void {
    this.causes.push({ reason, message, field });
  }
}
