import { describe, expect, it } from 'vitest';
import { definitionName, KINDS, kindSchemas, REF_PREFIX, type JsonSchema, type SchemaSet } from '@skiff/api';
import { decodeProtobufBody, messageFor } from '../http/decode-protobuf-body.js';
import { protoFieldNamed, type ProtoField, type ProtoMessage } from './protobuf-message.js';
import { PROTOBUF_MESSAGES } from './protobuf-messages.generated.js';

// An encoder written from the protobuf wire format, independent of the decoder, to make bodies as client-go would.
const varint = (n: bigint): Buffer => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return Buffer.from(out);
};
const key = (num: number, wire: number): Buffer => varint(BigInt((num << 3) | wire));
const lengthDelimited = (num: number, body: Buffer): Buffer => Buffer.concat([key(num, 2), varint(BigInt(body.length)), body]);

function encodeValue(num: number, type: string, value: unknown): Buffer {
  if (type === 'bool') return Buffer.concat([key(num, 0), varint(value ? 1n : 0n)]);
  if (type.startsWith('int') || type.startsWith('uint')) return Buffer.concat([key(num, 0), varint(BigInt(value as number))]);
  if (type === 'string') return lengthDelimited(num, Buffer.from(value as string));
  if (type === 'bytes') return lengthDelimited(num, Buffer.from(value as string, 'base64'));
  if (type.endsWith('meta.v1.Time') || type.endsWith('MicroTime')) {
    const ms = Date.parse(value as string);
    return lengthDelimited(num, encodeMessage({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 }, type));
  }
  if (type.endsWith('resource.Quantity')) return lengthDelimited(num, encodeMessage({ string: value }, type));
  if (type.endsWith('intstr.IntOrString')) return lengthDelimited(num, encodeMessage(typeof value === 'string' ? { type: 1, strVal: value } : { intVal: value }, type));
  if (type.endsWith('meta.v1.FieldsV1')) return lengthDelimited(num, encodeMessage({ Raw: Buffer.from(JSON.stringify(value)).toString('base64') }, type));
  if (type.endsWith('.ExtraValue')) return lengthDelimited(num, encodeMessage({ items: value }, type));
  return lengthDelimited(num, encodeMessage(value as Record<string, unknown>, type));
}

function encodeMessage(obj: Record<string, unknown>, type: string): Buffer {
  const parts: Buffer[] = [];
  for (const [num, field] of Object.entries(PROTOBUF_MESSAGES[type]!)) {
    const n = Number(num);
    if (field.inline) {
      parts.push(lengthDelimited(n, encodeMessage(obj, field.type)));
      continue;
    }
    const value = obj[field.name];
    if (value === undefined) continue;
    if (field.map) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) parts.push(lengthDelimited(n, Buffer.concat([encodeValue(1, 'string', k), encodeValue(2, field.type, v)])));
    } else if (field.repeated) for (const item of value as unknown[]) parts.push(encodeValue(n, field.type, item));
    else parts.push(encodeValue(n, field.type, value));
  }
  return Buffer.concat(parts);
}

function encodeBody(obj: Record<string, unknown>, type: string): Buffer {
  const { apiVersion, kind, ...rest } = obj;
  const typeMeta = Buffer.concat([encodeValue(1, 'string', apiVersion), encodeValue(2, 'string', kind)]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), lengthDelimited(1, typeMeta), lengthDelimited(2, encodeMessage(rest, type))]);
}

const fieldNamed = (message: ProtoMessage, name: string): ProtoField | undefined => protoFieldNamed(PROTOBUF_MESSAGES, message, name);

const resolve = (schema: JsonSchema, set: SchemaSet): JsonSchema => {
  const ref = (schema['$ref'] ?? (schema['allOf'] as JsonSchema[] | undefined)?.[0]?.['$ref']) as string | undefined;
  return ref ? resolve(set[ref.slice(REF_PREFIX.length)]!, set) : schema;
};

/**
 * sample builds an object with every property the kind's OpenAPI schema (the one requests are validated with) has,
 * each set to a non-zero value of its protobuf type, and lists the properties the protobuf message lacks.
 */
function sample(schema: JsonSchema, type: string, set: SchemaSet, path: string, missing: string[], depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const message = PROTOBUF_MESSAGES[type]!;
  const props = (resolve(schema, set)['properties'] ?? {}) as Record<string, JsonSchema>;
  for (const [name, propSchema] of Object.entries(props)) {
    // TypeMeta is never a protobuf field: not at the root, nor on an object embedded whole (volumeClaimTemplates).
    if ((name === 'apiVersion' || name === 'kind') && (path === '' || fieldNamed(message, 'metadata')?.type === 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')) continue;
    const field = fieldNamed(message, name);
    if (!field) {
      missing.push(`${path}.${name}`);
      continue;
    }
    const item = (s: JsonSchema): unknown => scalar(field.type) ?? (depth < 8 ? sample(s, field.type, set, `${path}.${name}`, missing, depth + 1) : undefined);
    const resolved = resolve(propSchema, set);
    let value: unknown;
    if (field.map) value = { k: item((resolved['additionalProperties'] as JsonSchema | undefined) ?? {}) };
    else if (field.repeated) value = [item((resolved['items'] as JsonSchema | undefined) ?? {})];
    else value = item(propSchema);
    const empty = (v: unknown): boolean => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (empty(value) || (Array.isArray(value) && empty(value[0])) || (field.map && empty(Object.values(value as object)[0]))) continue;
    out[name] = value;
  }
  return out;
}

/** scalar is a non-zero JSON value of a protobuf type whose JSON is not an object, as Go's JSON encoding writes it. */
function scalar(type: string): unknown {
  const known: Record<string, unknown> = {
    string: 'x',
    bytes: Buffer.from('bytes').toString('base64'),
    bool: true,
    int32: 7,
    int64: 70,
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time': '2024-01-02T03:04:05Z',
    'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': '2024-01-02T03:04:05.123000Z',
    'io.k8s.apimachinery.pkg.api.resource.Quantity': '100m',
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'http',
    'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { 'f:metadata': {} },
  };
  if (type.endsWith('.ExtraValue')) return ['a', 'b'];
  return known[type];
}

describe('PROTOBUF_MESSAGES', () => {
  it('has the message of every served kind, and a field for every property its schema accepts', () => {
    for (const kind of KINDS) {
      const { group, version, kind: name } = kind.info;
      const apiVersion = group ? `${group}/${version}` : version;
      expect(messageFor(apiVersion, name), `${apiVersion} ${name}`).toBe(definitionName(group, version, name));
      const missing: string[] = [];
      sample(kindSchemas(kind)[definitionName(group, version, name)]!, definitionName(group, version, name), kindSchemas(kind), '', missing);
      expect(missing, `${name} properties without a protobuf field`).toEqual([]);
    }
  });

  it('decodes every served kind with every field its schema has set', () => {
    for (const kind of KINDS) {
      const { group, version, kind: name } = kind.info;
      const type = definitionName(group, version, name);
      const obj = { apiVersion: group ? `${group}/${version}` : version, kind: name, ...sample(kindSchemas(kind)[type]!, type, kindSchemas(kind), '', []) };
      expect(Object.keys(obj).length, name).toBeGreaterThan(3);
      expect(decodeProtobufBody(encodeBody(obj, type)), name).toEqual(obj);
    }
  });

  it('decodes an int-or-string port given as a number and a pointer zero (replicas: 0)', () => {
    const type = 'io.k8s.api.apps.v1.Deployment';
    const obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 0, strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: '25%' } } } };
    expect(decodeProtobufBody(encodeBody(obj, type))).toEqual(obj);
  });

  it('reads a packed repeated number as well as proto2 unpacked ones', () => {
    // JobSpec.podFailurePolicy.rules[0].onExitCodes.values = [1, 300], packed: field 3, wire type 2.
    const onExitCodes = Buffer.concat([encodeValue(2, 'string', 'In'), lengthDelimited(3, Buffer.concat([varint(1n), varint(300n)]))]);
    const rule = Buffer.concat([encodeValue(1, 'string', 'FailJob'), lengthDelimited(2, onExitCodes)]);
    const spec = lengthDelimited(11, lengthDelimited(1, rule));
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), lengthDelimited(1, Buffer.concat([encodeValue(1, 'string', 'batch/v1'), encodeValue(2, 'string', 'Job')])), lengthDelimited(2, lengthDelimited(2, spec))]);
    expect(decodeProtobufBody(body)).toEqual({ apiVersion: 'batch/v1', kind: 'Job', spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 300] } }] } } });
  });
});
