import { describe, expect, it } from 'vitest';
import { FieldErrors, formatValue } from './field-errors.js';

describe('formatValue', () => {
  it.each<[unknown, string]>([
    ['Foo', '"Foo"'],
    [0, '0'],
    [true, 'true'],
    [undefined, 'null'],
    [{ tier: 'fe', app: 'x' }, 'map[string]string{"app":"x", "tier":"fe"}'],
    [['a', 'b'], '[]string{"a", "b"}'],
    [{ matchLabels: { a: 'b' } }, '{"matchLabels":{"a":"b"}}'],
  ])('%j -> %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('FieldErrors', () => {
  it('builds causes with apimachinery reasons and messages', () => {
    const errs = new FieldErrors();
    errs.required('a');
    errs.required('b', 'name or generateName is required');
    errs.invalid('c', 'x', 'bad');
    errs.notSupported('d', 'Sometimes', ['OnFailure', 'Always', 'Never']);
    errs.forbidden('e', 'nope');
    errs.duplicate('f', 'web');
    errs.notFound('g', 'vol');
    errs.tooLong('h', 10);
    errs.tooMany('h2', 101, 100);
    errs.immutable('i', 'v2');
    errs.nonNegative('j', -1);
    errs.nonNegative('k', 0);
    expect(errs.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'a', message: 'Required value' },
      { reason: 'FieldValueRequired', field: 'b', message: 'Required value: name or generateName is required' },
      { reason: 'FieldValueInvalid', field: 'c', message: 'Invalid value: "x": bad' },
      { reason: 'FieldValueNotSupported', field: 'd', message: 'Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"' },
      { reason: 'FieldValueForbidden', field: 'e', message: 'Forbidden: nope' },
      { reason: 'FieldValueDuplicate', field: 'f', message: 'Duplicate value: "web"' },
      { reason: 'FieldValueNotFound', field: 'g', message: 'Not found: "vol"' },
      { reason: 'FieldValueTooLong', field: 'h', message: 'Too long: may not be more than 10 bytes' },
      { reason: 'FieldValueTooMany', field: 'h2', message: 'Too many: 101: must have at most 100 items' },
      { reason: 'FieldValueInvalid', field: 'i', message: 'Invalid value: "v2": field is immutable' },
      { reason: 'FieldValueInvalid', field: 'j', message: 'Invalid value: -1: must be greater than or equal to 0' },
    ]);
    expect(errs.length).toBe(11);
  });
});
