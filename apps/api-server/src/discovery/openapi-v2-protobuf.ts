/**
 * @module encodeOpenapiV2Protobuf: the Swagger 2.0 document as the gnostic `openapi.v2.Document` protobuf
 * (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), which kube-apiserver serves for
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`. kubectl 1.20's discovery client asks only
 * for this and proto-decodes whatever comes back, so JSON is no answer for it. Only the parts of the document Skiff
 * writes are encoded; an unexpected shape throws rather than being dropped silently.
 */

type Json = Record<string, unknown>;

/** OPENAPI_V2_PROTOBUF is the media type kubectl up to 1.26 asks for (client-go's discovery `mimePb`). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/**
 * OPENAPI_V2_PROTOBUF_CONTENT_TYPE is the same type spelled without '@', which Go's mime.ParseMediaType refuses: a
 * response labelled with the '@' spelling fails in client-go ("mime: unexpected content after media subtype").
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
}

const key = (field: number, wire: number): Buffer => varint((field << 3) | wire);
const bytesField = (field: number, body: Buffer): Buffer => Buffer.concat([key(field, 2), varint(body.length), body]);
const str = (field: number, s: unknown): Buffer => (typeof s === 'string' && s !== '' ? bytesField(field, Buffer.from(s, 'utf8')) : Buffer.alloc(0));
const strs = (field: number, list: unknown): Buffer => Buffer.concat(((list as unknown[] | undefined) ?? []).map((s) => str(field, s)));
const bool = (field: number, b: unknown): Buffer => (b === true ? Buffer.concat([key(field, 0), varint(1)]) : Buffer.alloc(0));
const msg = (field: number, body: Buffer | undefined): Buffer => (body ? bytesField(field, body) : Buffer.alloc(0));
const double = (field: number, n: unknown): Buffer => {
  if (typeof n !== 'number') return Buffer.alloc(0);
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return Buffer.concat([key(field, 1), b]);
};

/** any is gnostic's Any: the value as YAML text (JSON is YAML). */
const any = (value: unknown): Buffer => str(2, JSON.stringify(value));
const namedAny = (field: number, name: string, value: unknown): Buffer => msg(field, Buffer.concat([str(1, name), msg(2, any(value))]));
const vendorExtensions = (field: number, obj: Json): Buffer =>
  Buffer.concat(
    Object.entries(obj)
      .filter(([k]) => k.startsWith('x-'))
      .map(([k, v]) => namedAny(field, k, v)),
  );

const SCHEMA_KEYS = new Set(['$ref', 'format', 'title', 'description', 'default', 'minimum', 'maximum', 'required', 'enum', 'additionalProperties', 'type', 'items', 'allOf', 'properties']);

function schema(s: Json): Buffer {
  for (const k of Object.keys(s)) if (!SCHEMA_KEYS.has(k) && !k.startsWith('x-')) throw new Error(`openapi v2 protobuf: unsupported schema keyword ${k}`);
  const additional = s['additionalProperties'];
  const items = s['items'];
  const props = s['properties'] as Record<string, Json> | undefined;
  return Buffer.concat([
    str(1, s['$ref']),
    str(2, s['format']),
    str(3, s['title']),
    str(4, s['description']),
    s['default'] !== undefined ? msg(5, any(s['default'])) : Buffer.alloc(0),
    double(7, s['maximum']),
    double(9, s['minimum']),
    strs(19, s['required']),
    Buffer.concat(((s['enum'] as unknown[] | undefined) ?? []).map((v) => msg(20, any(v)))),
    // A oneof member is written even when false.
    additional === undefined
      ? Buffer.alloc(0)
      : msg(21, typeof additional === 'boolean' ? Buffer.concat([key(2, 0), varint(additional ? 1 : 0)]) : msg(1, schema(additional as Json))),
    typeof s['type'] === 'string' ? msg(22, str(1, s['type'])) : Buffer.alloc(0),
    items === undefined ? Buffer.alloc(0) : msg(23, msg(1, schema(items as Json))),
    Buffer.concat(((s['allOf'] as Json[] | undefined) ?? []).map((a) => msg(24, schema(a)))),
    props ? msg(25, Buffer.concat(Object.entries(props).map(([name, p]) => msg(1, Buffer.concat([str(1, name), msg(2, schema(p))]))))) : Buffer.alloc(0),
    vendorExtensions(31, s),
  ]);
}

function parameter(p: Json): Buffer {
  if (p['in'] === 'body') {
    const body = Buffer.concat([str(1, p['description']), str(2, p['name']), str(3, p['in']), bool(4, p['required']), msg(5, schema(p['schema'] as Json))]);
    return msg(1, msg(1, body));
  }
  // QueryParameterSubSchema and PathParameterSubSchema share the first fields; type and uniqueItems differ by one.
  const query = p['in'] === 'query';
  const sub = Buffer.concat([
    bool(1, p['required']),
    str(2, p['in']),
    str(3, p['description']),
    str(4, p['name']),
    str(query ? 6 : 5, p['type']),
    bool(query ? 20 : 19, p['uniqueItems']),
  ]);
  if (!query && p['in'] !== 'path') throw new Error(`openapi v2 protobuf: unsupported parameter location ${String(p['in'])}`);
  return msg(1, msg(2, msg(query ? 3 : 4, sub)));
}

const parameters = (field: number, list: unknown): Buffer => Buffer.concat(((list as Json[] | undefined) ?? []).map((p) => msg(field, parameter(p))));

function operation(op: Json): Buffer {
  const responses = Object.entries((op['responses'] as Record<string, Json> | undefined) ?? {}).map(([code, r]) => {
    const response = Buffer.concat([str(1, r['description']), r['schema'] ? msg(2, msg(1, schema(r['schema'] as Json))) : Buffer.alloc(0)]);
    return msg(1, Buffer.concat([str(1, code), msg(2, msg(1, response))]));
  });
  return Buffer.concat([
    strs(1, op['tags']),
    str(3, op['description']),
    str(5, op['operationId']),
    strs(6, op['produces']),
    strs(7, op['consumes']),
    parameters(8, op['parameters']),
    msg(9, Buffer.concat(responses)),
    strs(10, op['schemes']),
    vendorExtensions(13, op),
  ]);
}

const METHODS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(item: Json): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters') parts.push(parameters(9, v));
    else if (METHODS[k]) parts.push(msg(METHODS[k], operation(v as Json)));
    else throw new Error(`openapi v2 protobuf: unsupported path item key ${k}`);
  }
  return Buffer.concat(parts);
}

/** encodeOpenapiV2Protobuf encodes the document `openapiV2()` builds. */
export function encodeOpenapiV2Protobuf(doc: Json): Buffer {
  const info = doc['info'] as Json;
  const paths = Object.entries(doc['paths'] as Record<string, Json>).map(([p, item]) => msg(2, Buffer.concat([str(1, p), msg(2, pathItem(item))])));
  const definitions = Object.entries(doc['definitions'] as Record<string, Json>).map(([name, s]) => msg(1, Buffer.concat([str(1, name), msg(2, schema(s))])));
  return Buffer.concat([
    str(1, doc['swagger']),
    msg(2, Buffer.concat([str(1, info['title']), str(2, info['version'])])),
    msg(8, Buffer.concat(paths)),
    msg(9, Buffer.concat(definitions)),
    vendorExtensions(16, doc),
  ]);
}
