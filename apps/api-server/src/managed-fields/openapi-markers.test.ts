import { describe, expect, it } from 'vitest';
import { definitionName, KINDS, kindSchemas, type JsonSchema, type SchemaSet } from '@skiff/api';
import { resolve } from '../patch/patch-schema.js';
import { fieldTypeOf, type FieldType } from './field-type.js';

/**
 * published is how a field merges by its published OpenAPI alone, as kube's schemaconv reads it for a client or
 * another server: `x-kubernetes-map-type: atomic` (on the property or the type it names) is one value;
 * `x-kubernetes-list-type` decides a list, else `x-kubernetes-patch-strategy: merge` with or without a
 * `patch-merge-key` makes a map or set list; other lists are atomic.
 */
function published(raw: JsonSchema, all: SchemaSet): string {
  const s = resolve(raw, all);
  const at = (k: string) => raw[k] ?? s?.[k];
  if (at('x-kubernetes-map-type') === 'atomic') return 'atomic';
  if (s?.['type'] !== 'array') return s?.['properties'] ? 'struct' : s?.['additionalProperties'] ? 'map' : 'scalar';
  const listType = at('x-kubernetes-list-type');
  if (listType === 'map') return `map list [${at('x-kubernetes-list-map-keys')}]`;
  if (listType === 'set' || listType === 'atomic') return `${listType} list`;
  if (!String(at('x-kubernetes-patch-strategy') ?? '').split(',').includes('merge')) return 'atomic list';
  const key = at('x-kubernetes-patch-merge-key');
  return typeof key === 'string' ? `map list [${key}]` : 'set list';
}

/** followed is how server-side apply merges the field (field-type.ts, which follows kube's Go markers). */
function followed(t: FieldType): string {
  if (t.t === 'scalar') return 'atomic';
  if (t.t === 'list') return t.rel === 'map' ? `map list [${t.keys}]` : `${t.rel} list`;
  return t.t;
}

/** disagreements lists every field of a kind whose published merge type is not the one server-side apply uses. */
function disagreements(schema: JsonSchema | undefined, t: FieldType, all: SchemaSet, path: string, seen: Set<JsonSchema>, out: string[]): void {
  if (!schema || t.t !== 'struct' || seen.has(schema)) return;
  seen.add(schema);
  for (const [name, raw] of Object.entries((schema['properties'] as SchemaSet | undefined) ?? {})) {
    const ft = t.field(name);
    if (!ft) continue;
    const at = `${path}.${name}`;
    const pub = published(raw, all);
    // A scalar field is atomic either way; only maps, structs and lists can disagree.
    const ssa = followed(ft);
    if (pub !== ssa && !(pub === 'scalar' && ssa === 'atomic') && !(ssa === 'untyped')) out.push(`${at}: OpenAPI ${pub}, server-side apply ${ssa}`);
    const s = resolve(raw, all);
    if (ft.t === 'struct') disagreements(s, ft, all, at, seen, out);
    if (ft.t === 'list') disagreements(resolve(s?.['items'] as JsonSchema, all), ft.elem, all, `${at}[]`, seen, out);
    if (ft.t === 'map') disagreements(resolve(s?.['additionalProperties'] as JsonSchema, all), ft.elem, all, `${at}{}`, seen, out);
  }
}

describe('published OpenAPI merge markers', () => {
  it('agree with the field types server-side apply follows (kube\'s Go markers) for every served kind', () => {
    const out: string[] = [];
    for (const kind of KINDS) {
      const { group, version, kind: name } = kind.info;
      const all = kindSchemas(kind);
      disagreements(all[definitionName(group, version, name)], fieldTypeOf(name), all, name, new Set(), out);
    }
    expect(out).toEqual([]);
  });
});
