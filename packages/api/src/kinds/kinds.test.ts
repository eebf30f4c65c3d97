import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/apply-defaults.js';
import { fieldsFor, FIELD_SELECTOR_FIELDS } from '../selectors/fields-for.js';
import { decodeObject } from '../validation/decode-object.js';
import { findKind, KINDS, kindFor, RESOURCE_LIST, RESOURCES } from './index.js';

// The table every generic part of the server reads: these checks hold for any kind added to it.
describe('KINDS', () => {
  it('serves each plural, kind and short name once', () => {
    const plurals = KINDS.map((k) => k.info.plural);
    const kinds = KINDS.map((k) => `${k.info.group}/${k.info.kind}`);
    const shortNames = KINDS.flatMap((k) => k.info.shortNames);
    expect(new Set(plurals).size).toBe(plurals.length);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(new Set(shortNames).size).toBe(shortNames.length);
  });

  it('derives RESOURCES and RESOURCE_LIST from the kinds', () => {
    expect(RESOURCE_LIST.map((r) => r.plural)).toEqual(KINDS.map((k) => k.info.plural));
    expect(RESOURCES.pods).toBe(kindFor('pods').info);
    expect(RESOURCES.deployments.apiVersion).toBe('apps/v1');
    expect(findKind('widgets')).toBeUndefined();
    expect(() => kindFor('widgets')).toThrow(/widgets/);
  });

  it('lists status first among subresources exactly when status is a subresource', () => {
    for (const k of KINDS) {
      expect(k.info.hasStatus).toBe(k.info.subresources[0]?.name === 'status');
      expect(k.info.subresources.filter((s) => s.name === 'status').length).toBe(k.info.hasStatus ? 1 : 0);
    }
  });

  for (const kind of KINDS) {
    const { plural, apiVersion } = kind.info;
    describe(plural, () => {
      const minimal = { apiVersion, kind: kind.info.kind, metadata: { name: 'x', ...(kind.info.namespaced ? { namespace: 'default' } : {}) } };

      it('decodes a minimal object and refuses one of another kind', () => {
        expect(decodeObject(plural, minimal, { fieldValidation: 'Strict' }).object.metadata.name).toBe('x');
        expect(() => decodeObject(plural, { ...minimal, kind: 'Widget' }, { fieldValidation: 'Strict' })).toThrow();
      });

      it('prints as many cells as it has columns, Name first', () => {
        const obj = decodeObject(plural, minimal, { fieldValidation: 'Strict' }).object;
        applyDefaults(plural, obj);
        const printer = kind.printer;
        if (!printer) return;
        expect(printer.cells(obj, Date.parse('2026-01-01T00:00:00Z')).length).toBe(printer.columns.length);
        if (plural !== 'events') expect(printer.columns[0]?.name).toBe('Name');
      });

      it('reads every declared field-selector field as a string', () => {
        const obj = decodeObject(plural, minimal, { fieldValidation: 'Strict' }).object;
        const fields = fieldsFor(plural, obj);
        expect(Object.keys(fields).sort()).toEqual([...(FIELD_SELECTOR_FIELDS[plural] ?? [])].sort());
        for (const v of Object.values(fields)) expect(typeof v).toBe('string');
        expect(fields['metadata.name']).toBe('x');
      });
    });
  }
});
