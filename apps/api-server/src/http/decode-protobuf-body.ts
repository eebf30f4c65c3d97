/**
 * @module decodeProtobufBody: turns a Kubernetes protobuf request body into the JSON object it stands for.
 *
 * kubectl's typed clients (`create namespace`, `create deployment`, `create service`, `debug --copy-to`, and the DELETE that `drain` sends) write
 * `application/vnd.kubernetes.protobuf` whatever the server prefers, and client-go falls back to JSON only for CBOR.
 * A body is the 4-byte magic `k8s\0` and a runtime.Unknown {typeMeta, raw}; `raw` is the kind's generated message.
 * Field numbers come from PROTOBUF_MESSAGES, generated from k8s.io/api's generated.proto for every served kind and
 * every other body clients send; a kind outside it, or a non-empty field number its message lacks, is refused with
 * 415 so nothing a client sent is silently dropped.
 */
import { ApiError, definitionName, errors, formatMicroTime, formatTime } from '@skiff/api';
import type { ProtoMessage } from '../protobuf/protobuf-message.js';
import { PROTOBUF_MESSAGES } from '../protobuf/protobuf-messages.generated.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
/** Messages whose JSON form is not an object of their fields (their Go types marshal themselves). */
const TIME = new Set([`${META}Time`, `${META}MicroTime`]);
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const FIELDS_V1 = `${META}FieldsV1`;
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
/** ExtraValue (authentication, authorization, certificates) is a []string on the wire as JSON. */
const isExtraValue = (type: string): boolean => type.endsWith('.ExtraValue');

const TYPE_META: ProtoMessage = { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } };

/**
 * messageFor names the generated message of an apiVersion and kind: the kind's OpenAPI definition, or meta/v1's for
 * the option kinds every group version registers (DeleteOptions arrives as v1, meta.k8s.io/v1 or policy/v1).
 */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const meta = `${META}${kind}`;
  if (kind === 'DeleteOptions' || group === 'meta.k8s.io') return PROTOBUF_MESSAGES[meta] ? meta : undefined;
  const name = definitionName(group, version, kind);
  return PROTOBUF_MESSAGES[name] ? name : undefined;
}

/** decodeProtobufBody decodes a `k8s\0`-framed runtime.Unknown into a JSON object with apiVersion and kind. */
export function decodeProtobufBody(raw: Buffer): Record<string, unknown> {
  if (raw.length < 4 || !raw.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('the protobuf request body does not start with the "k8s\\x00" prefix');
  let typeMeta: Record<string, unknown> = {};
  let inner: Buffer | undefined;
  for (const { tag, wire, value } of fields(raw, 4, raw.length)) {
    if (tag === 1 && wire === 2) typeMeta = decodeMessage(value as Buffer, TYPE_META, 'typeMeta');
    else if (tag === 2 && wire === 2) inner = value as Buffer;
    else if (tag === 4 && wire === 2 && (value as Buffer).length > 0) throw unsupported(`runtime.Unknown contentType ${(value as Buffer).toString()}`);
  }
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  const message = messageFor(apiVersion, kind);
  if (!message) throw unsupported(`${apiVersion}, Kind=${kind}`);
  return { apiVersion, kind, ...decodeMessage(inner ?? Buffer.alloc(0), PROTOBUF_MESSAGES[message]!, kind) };
}

function unsupported(what: string): ApiError {
  return new ApiError({ reason: 'UnsupportedMediaType', message: `the server cannot decode ${what} from application/vnd.kubernetes.protobuf; send application/json` });
}

interface WireField {
  tag: number;
  wire: number;
  value: bigint | Buffer;
}

/** readVarint reads the varint at `pos`: its value and the position after it. */
function readVarint(buf: Buffer, pos: number, end: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= end) throw errors.badRequest('truncated protobuf request body');
    // A 64-bit varint has at most 10 bytes; an unbounded one would grow a BigInt quadratically (minutes for 3 MB).
    if (shift >= 70n) throw errors.badRequest('malformed protobuf request body: a varint is longer than 10 bytes');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [result, pos];
    shift += 7n;
  }
}

function* fields(buf: Buffer, start: number, end: number): Generator<WireField> {
  let pos = start;
  const varint = (): bigint => {
    const [value, next] = readVarint(buf, pos, end);
    pos = next;
    return value;
  };
  while (pos < end) {
    const key = Number(varint());
    const tag = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { tag, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > end) throw errors.badRequest('truncated protobuf request body');
      yield { tag, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > end) throw errors.badRequest('truncated protobuf request body');
      yield { tag, wire, value: buf.subarray(pos, pos + n) };
      pos += n;
    } else throw errors.badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

/** decodeMessage decodes one message into the object Go's JSON encoding of its type would write. */
function decodeMessage(buf: Buffer, message: ProtoMessage, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { tag, wire, value } of fields(buf, 0, buf.length)) {
    const field = message[tag];
    if (!field) {
      if ((wire === 2 && (value as Buffer).length === 0) || (wire === 0 && value === 0n)) continue;
      throw unsupported(`field ${tag} of ${path}`);
    }
    const at = `${path}.${field.name}`;
    if (field.map) {
      const entry = decodeMessage(value as Buffer, { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: field.type, ptr: true } }, at);
      ((out[field.name] ??= {}) as Record<string, unknown>)[String(entry.key ?? '')] = entry.value ?? zeroOf(field.type);
    } else if (field.repeated) {
      const list = (out[field.name] ??= []) as unknown[];
      // proto2 writes repeated numbers unpacked, but a packed run is valid protobuf too.
      if (wire === 2 && VARINT.has(field.type)) for (const n of packedVarints(value as Buffer)) list.push(decodeValue(field.type, 0, n, at));
      else list.push(decodeValue(field.type, wire, value, at));
    } else {
      const v = decodeValue(field.type, wire, value, at);
      if (field.inline) Object.assign(out, v);
      // gogo-protobuf writes every non-pointer field, so only a pointer's presence means the client set it.
      else if (v !== undefined && (field.ptr || !isZero(v))) out[field.name] = v;
    }
  }
  return out;
}

const VARINT = new Set(['int32', 'int64', 'uint32', 'uint64', 'bool']);
const NUMERIC = new Set([...VARINT, 'double', 'float']);

/** packedVarints reads a packed repeated number: varints back to back, without keys. */
function* packedVarints(buf: Buffer): Generator<bigint> {
  for (let pos = 0; pos < buf.length; ) {
    const [value, next] = readVarint(buf, pos, buf.length);
    pos = next;
    yield value;
  }
}

/** zeroOf is what an entry without a value stands for: Go's zero value of the map's element type. */
function zeroOf(type: string): unknown {
  if (type === 'string' || type === 'bytes' || type === QUANTITY) return type === QUANTITY ? '0' : '';
  if (type === 'bool') return false;
  if (NUMERIC.has(type)) return 0;
  return isExtraValue(type) ? [] : {};
}

function decodeValue(type: string, wire: number, value: bigint | Buffer, path: string): unknown {
  if (type === 'double' || type === 'float') {
    if (wire !== (type === 'double' ? 1 : 5)) throw wrongWire(path, wire);
    return type === 'double' ? (value as Buffer).readDoubleLE(0) : (value as Buffer).readFloatLE(0);
  }
  if (VARINT.has(type)) {
    if (wire !== 0) throw wrongWire(path, wire);
    if (type === 'bool') return value !== 0n;
    return Number(type.startsWith('u') ? BigInt.asUintN(64, value as bigint) : BigInt.asIntN(type === 'int32' ? 32 : 64, value as bigint));
  }
  if (wire !== 2) throw wrongWire(path, wire);
  const bytes = value as Buffer;
  if (type === 'string') return bytes.toString('utf8');
  if (type === 'bytes') return bytes.toString('base64');
  const message = PROTOBUF_MESSAGES[type];
  if (!message) throw unsupported(`${path} (${type})`);
  const fieldsOf = decodeMessage(bytes, message, path);
  if (TIME.has(type)) {
    if (fieldsOf.seconds === undefined) return undefined;
    const ms = Number(fieldsOf.seconds) * 1000 + Math.floor(Number(fieldsOf.nanos ?? 0) / 1e6);
    return type.endsWith('MicroTime') ? formatMicroTime(ms) : formatTime(ms);
  }
  if (type === QUANTITY) return fieldsOf.string ?? '0';
  if (type === INT_OR_STRING) return fieldsOf.type === 1 ? (fieldsOf.strVal ?? '') : (fieldsOf.intVal ?? 0);
  if (type === FIELDS_V1 || type === RAW_EXTENSION) return parseJson(fieldsOf.Raw ?? fieldsOf.raw, path);
  if (isExtraValue(type)) return fieldsOf.items ?? [];
  return fieldsOf;
}

/** parseJson reads the raw JSON a FieldsV1 or RawExtension carries (decoded as base64 bytes). */
function parseJson(base64: unknown, path: string): unknown {
  if (typeof base64 !== 'string' || base64 === '') return {};
  try {
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as unknown;
  } catch {
    throw errors.badRequest(`protobuf field ${path} is not JSON`);
  }
}

const wrongWire = (path: string, wire: number): ApiError => errors.badRequest(`protobuf field ${path} has wire type ${wire}, which its type cannot have`);

function isZero(v: unknown): boolean {
  if (v === undefined || v === '' || v === 0 || v === false) return true;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}
