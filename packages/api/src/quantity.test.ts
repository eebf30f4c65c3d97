import { describe, expect, it } from 'vitest';
import { Quantity, QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR, QuantityError, tryParseQuantity } from './quantity.js';

describe('Quantity.parse', () => {
  it.each([
    // input, value(), milliValue(), canonical string
    ['500m', 1, 500, '500m'],
    ['0.5', 1, 500, '500m'],
    ['2', 2, 2000, '2'],
    ['128Mi', 134217728, 134217728000, '128Mi'],
    ['1Gi', 1073741824, 1073741824000, '1Gi'],
    ['1.5Gi', 1610612736, 1610612736000, '1536Mi'],
    ['1e3', 1000, 1000000, '1e3'],
    ['1E3', 1000, 1000000, '1e3'],
    ['100k', 100000, 100000000, '100k'],
    ['1M', 1000000, 1000000000, '1M'],
    ['1000', 1000, 1000000, '1k'],
    ['+1', 1, 1000, '1'],
    ['-1', -1, -1000, '-1'],
    ['0', 0, 0, '0'],
    ['100n', 1, 1, '100n'],
    ['1u', 1, 1, '1u'],
    ['0.1', 1, 100, '100m'],
    ['1.G', 1000000000, 1000000000000, '1G'],
    ['512Ki', 524288, 524288000, '512Ki'],
    ['512', 512, 512000, '512'],
    ['1e-3', 1, 1, '1e-3'],
    ['2.5E+2', 250, 250000, '250'],
  ])('%s', (input, value, milli, canonical) => {
    const q = Quantity.parse(input);
    expect(q.value()).toBe(value);
    expect(q.milliValue()).toBe(milli);
    expect(q.toString()).toBe(canonical);
  });

  it('rounds sub-nano precision up and milli values away from zero, as apimachinery does', () => {
    expect(Quantity.parse('0.0000000001').toString()).toBe('1n');
    expect(Quantity.parse('1n').milliValue()).toBe(1);
    expect(Quantity.parse('-1n').milliValue()).toBe(-1);
    expect(Quantity.parse('1500m').value()).toBe(2);
  });

  it('keeps small binary quantities decimal', () => {
    expect(Quantity.parse('0.5Ki').toString()).toBe('512');
    expect(Quantity.parse('0.5Ki').format).toBe('DecimalSI');
  });

  it('accepts JSON numbers, which manifests produce for `cpu: 1`', () => {
    expect(Quantity.parse(1).toString()).toBe('1');
    expect(Quantity.parse(0.25).toString()).toBe('250m');
    expect(Quantity.parse(1e21).value()).toBe(1e21);
  });

  it.each(['', 'abc', '1.5.5', 'Gi', '1Gb', '1 Gi', '--1', '1e', '1ee3', '.', '1Ki5', 'm'])('rejects %j', (input) => {
    expect(() => Quantity.parse(input)).toThrow(QuantityError);
    expect(tryParseQuantity(input)).toBeUndefined();
  });

  it('reports the apimachinery messages', () => {
    expect(() => Quantity.parse('abc')).toThrow(QUANTITY_FORMAT_ERROR);
    expect(() => Quantity.parse('1Mm')).toThrow(QUANTITY_SUFFIX_ERROR);
  });
});

describe('Quantity arithmetic', () => {
  it('adds exactly', () => {
    const sum = Quantity.parse('0.1').add(Quantity.parse('0.2'));
    expect(sum.toString()).toBe('300m');
    expect(sum.cmp(Quantity.parse('300m'))).toBe(0);
  });

  it('subtracts and compares', () => {
    const a = Quantity.parse('1Gi');
    const b = Quantity.parse('512Mi');
    expect(a.sub(b).toString()).toBe('512Mi');
    expect(a.cmp(b)).toBe(1);
    expect(b.cmp(a)).toBe(-1);
    expect(b.sub(a).sign()).toBe(-1);
    expect(a.sub(a).isZero()).toBe(true);
  });

  it('takes the other format when adding to zero', () => {
    expect(Quantity.zero().add(Quantity.parse('1Gi')).toString()).toBe('1Gi');
  });

  it('builds from milli and whole units', () => {
    expect(Quantity.fromMilli(1500).toString()).toBe('1500m');
    expect(Quantity.fromValue(2048, 'BinarySI').toString()).toBe('2Ki');
    expect(JSON.stringify({ cpu: Quantity.fromMilli(2000) })).toBe('{"cpu":"2"}');
  });
});

describe('Quantity.parse of a text seen before', () => {
  it('answers as the first parse did, numbers and texts alike, and past the size of its cache', () => {
    for (let round = 0; round < 2; round++) {
      expect(Quantity.parse('0.5').toString()).toBe('500m');
      expect(Quantity.parse(0.5).toString()).toBe('500m');
      expect(Quantity.parse('1.5Gi').toString()).toBe('1536Mi');
      expect(() => Quantity.parse('1.5Gx')).toThrow(QuantityError);
    }
    for (let i = 0; i < 2000; i++) expect(Quantity.parse(`${i}Mi`).value()).toBe(i * 1024 * 1024);
    expect(Quantity.parse('1536Mi').cmp(Quantity.parse('1.5Gi'))).toBe(0);
  });
});
