/**
 * @module FieldType: the shape structured-merge-diff walks (struct, map, list with its list-type, scalar), derived
 * from the kinds' published OpenAPI schemas (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, else the
 * `x-kubernetes-patch-strategy`/`patch-merge-key` pair, as kube's schemaconv does). One source with `kubectl explain`.
 */
import { definitionName, KINDS, kindSchemas, type JsonSchema, type SchemaSet } from '@skiff/api';
import { resolve } from '../patch/patch-schema.js';
import { protoFieldNamed, type ProtoField } from '../protobuf/protobuf-message.js';
import { PROTOBUF_MESSAGES } from '../protobuf/protobuf-messages.generated.js';

export type FieldType =
  | { readonly t: 'scalar' }
  /**
   * Declared properties; `rest` types the undeclared keys (additionalProperties), untyped when absent.
   * `alwaysPresent` says whether kube's Go type always serializes the field (a non-pointer struct, or a field
   * without omitempty), from the generated protobuf table's Go facts; undefined for a field Kubernetes lacks.
   */
  | { readonly t: 'struct'; field(name: string): FieldType | undefined; required(name: string): boolean; alwaysPresent(name: string): boolean | undefined; readonly rest: FieldType }
  | { readonly t: 'map'; readonly elem: FieldType }
  /** `keyDefaults` fill an item's absent key fields (a port's protocol is TCP), as SMD does from the schema. */
  | { readonly t: 'list'; readonly rel: 'atomic' | 'set' | 'map'; readonly keys: readonly string[]; readonly keyDefaults: Readonly<Record<string, unknown>>; readonly elem: FieldType }
  /** No schema: objects are maps of untyped values, lists are atomic (SMD's deduced type). */
  | { readonly t: 'untyped' };

export const UNTYPED: FieldType = { t: 'untyped' };
const SCALAR: FieldType = { t: 'scalar' };

/** Messages whose JSON is a scalar (their Go types marshal themselves), so they never hold fields of their own. */
const SCALAR_MESSAGES = /\.(Time|MicroTime|Quantity|IntOrString|FieldsV1|RawExtension)$/;

/**
 * build derives a schema's FieldType; `message` is the generated protobuf message of the Go type it describes (the
 * OpenAPI definition name), walked alongside so struct fields know their Go pointer-ness and omitempty, and `go`
 * the Go field the schema is of, whose merge markers win over the schema's.
 */
function build(raw: JsonSchema | undefined, all: SchemaSet, memo: Map<JsonSchema, FieldType>, message?: string, go?: ProtoField): FieldType {
  const s = resolve(raw, all);
  if (!s) return UNTYPED;
  // Kubernetes' Go markers, where the field has them, decide how it merges, as they do kube's structured-merge-diff.
  if (go?.mapType === 'atomic' || go?.structType === 'atomic') return SCALAR;
  const marked = go?.repeated && go.listType ? go.listType : undefined;
  const known = marked ? undefined : memo.get(s);
  if (known) return known;
  if (s['type'] === 'array') {
    const elemSchema = s['items'] as JsonSchema | undefined;
    let rel: 'atomic' | 'set' | 'map' = 'atomic';
    let keys: string[] = [];
    const listType = marked ?? s['x-kubernetes-list-type'];
    if (listType === 'map' || listType === 'set' || listType === 'atomic') {
      rel = listType;
      keys = listType !== 'map' ? [] : marked ? [...(go?.listMapKey ?? [])] : ((s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []);
    } else if (String(s['x-kubernetes-patch-strategy'] ?? '').split(',').includes('merge')) {
      const key = s['x-kubernetes-patch-merge-key'];
      rel = typeof key === 'string' ? 'map' : 'set';
      keys = typeof key === 'string' ? [key] : [];
    }
    let elem: FieldType | undefined;
    const props = (resolve(elemSchema, all)?.['properties'] as SchemaSet | undefined) ?? {};
    const keyDefaults = Object.fromEntries(keys.flatMap((k) => (props[k]?.['default'] !== undefined ? [[k, props[k]['default']]] : [])));
    const t: FieldType = { t: 'list', rel, keys, keyDefaults, get elem() { return (elem ??= build(elemSchema, all, memo, message)); } };
    if (!marked) memo.set(s, t);
    return t;
  }
  // x-kubernetes-map-type: atomic (LabelSelector) is owned and replaced whole, like a scalar.
  if (s['x-kubernetes-map-type'] === 'atomic') return SCALAR;
  const props = s['properties'] as SchemaSet | undefined;
  const extra = s['additionalProperties'];
  if (props) {
    const fields = new Map<string, FieldType>();
    let rest: FieldType | undefined;
    const required = new Set((s['required'] as string[] | undefined) ?? []);
    const proto = message ? PROTOBUF_MESSAGES[message] : undefined;
    const protoField = (name: string) => (proto ? protoFieldNamed(PROTOBUF_MESSAGES, proto, name) : undefined);
    // Both answers are fixed per field name and asked for every key of every write: computed once each (the
    // protobuf lookup scans the message's fields).
    const present = new Map<string, boolean | undefined>();
    const t: FieldType = {
      required: (name) => required.has(name),
      t: 'struct',
      field(name) {
        if (!Object.hasOwn(props, name)) return undefined;
        let f = fields.get(name);
        if (!f) {
          const go = protoField(name);
          fields.set(name, (f = build(props[name], all, memo, go?.type, go)));
        }
        return f;
      },
      alwaysPresent(name) {
        if (present.has(name)) return present.get(name);
        const f = protoField(name);
        const struct = !!f && !!PROTOBUF_MESSAGES[f.type] && !SCALAR_MESSAGES.test(f.type) && !f.repeated && !f.map;
        const answer = f ? !!f.noOmitempty || (struct && !f.ptr) : undefined;
        // Only declared fields are remembered: a request's unknown keys must not grow this map.
        if (Object.hasOwn(props, name)) present.set(name, answer);
        return answer;
      },
      get rest() { return (rest ??= typeof extra === 'object' && extra ? build(extra as JsonSchema, all, memo) : UNTYPED); },
    };
    memo.set(s, t);
    return t;
  }
  if (typeof extra === 'object' && extra) {
    let elem: FieldType | undefined;
    const t: FieldType = { t: 'map', get elem() { return (elem ??= build(extra as JsonSchema, all, memo, message)); } };
    memo.set(s, t);
    return t;
  }
  if (s['type'] === 'object' || s['type'] === undefined) return UNTYPED;
  return SCALAR;
}

const cache = new Map<string, FieldType>();

/** fieldTypeOf returns the type of the served kind named `kind` (untyped for a kind not served as a whole object). */
export function fieldTypeOf(kind: string): FieldType {
  let t = cache.get(kind);
  if (!t) {
    const served = KINDS.find((k) => k.info.kind === kind);
    if (served) {
      const all = kindSchemas(served);
      const name = definitionName(served.info.group, served.info.version, served.info.kind);
      t = build(all[name], all, new Map(), name);
    } else t = UNTYPED;
    cache.set(kind, t);
  }
  return t;
}

/** childType is the type of `key` inside an object of type `t`. */
export function childType(t: FieldType, key: string): FieldType {
  if (t.t === 'struct') return t.field(key) ?? t.rest;
  if (t.t === 'map') return t.elem;
  return UNTYPED;
}
