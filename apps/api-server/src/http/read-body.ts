/**
 * @module Reading and decoding request bodies by Content-Type, with kube-apiserver's 3 MiB limit.
 */
import type { IncomingMessage } from 'node:http';
import { isAlias, isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { ApiError, errors, fieldPath, findDuplicateJsonFields, rememberDuplicateFields, rememberPlainJson, type DuplicateField, type JsonTextShape } from '@skiff/api';
import { measureJson } from '../patch/json-value.js';
import { decodeProtobufBody } from './decode-protobuf-body.js';

/** MAX_BODY_BYTES is kube-apiserver's request body limit (3 MiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * MAX_DEPTH bounds the nesting of a decoded body. kube-apiserver's Go decoder allows 10000 levels ("exceeded max
 * depth") on a growable stack; here the decoder and patch engines recurse on Node's fixed ~1 MB stack, which ends
 * near 10000 frames, so the limit is 1000: far beyond any Kubernetes object, and with a wide margin to overflow.
 */
export const MAX_DEPTH = 1000;

/**
 * MAX_YAML_ALIASES bounds alias expansion (the `yaml` library's maxAliasCount, its default): a few hundred bytes of
 * nested aliases ("billion laughs") would otherwise expand to gigabytes.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * readRawBody collects the request body, refusing more than `limit` bytes with 413 RequestEntityTooLarge. It listens
 * for 'data'/'end' itself: `for await` over the request builds an async iterator (and its end-of-stream watchers)
 * per request, a measurable share of a small write's CPU.
 */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        // Drain the rest unread so the connection can answer the 413.
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    // A client that goes away mid-body ends the request without 'end' (the iterator rejected with "Premature close").
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): ApiError {
  return new ApiError({ reason: 'RequestEntityTooLarge', message: `Request entity too large: limit is ${limit}` });
}

/** mediaType returns the lower-cased media type of a Content-Type header, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const OBJECT_TYPES = ['application/json', 'application/yaml'];

/**
 * decodeObjectBody parses a create/update body (JSON, YAML, or protobuf for a few kinds). Bad syntax is a 400; other media types a 415.
 */
export function decodeObjectBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (raw.length === 0) throw errors.badRequest('the request body is empty: expected a JSON or YAML object');
  if (type === 'application/json' || type === '') return parseJson(raw);
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return parseYaml(raw);
  // kubectl's typed clients (create namespace/deployment, drain's DELETE) send protobuf regardless of discovery.
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufBody(raw);
  throw errors.unsupportedMediaType(type, OBJECT_TYPES);
}

/** parseJson parses JSON, turning syntax errors into 400 BadRequest with the parser's message. */
export function parseJson(raw: Buffer | string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  return checkedJson(text, value);
}

function checkedJson(text: string, value: unknown): unknown {
  const shape: JsonTextShape = { depth: 0, nulls: false, protoKey: false };
  const duplicates = findDuplicateJsonFields(text, shape, MAX_DEPTH);
  // JSON has no aliases, so checkDecoded's walk can only refuse text that nests more than MAX_DEPTH containers
  // (the scan above counted them) or is long: measureJson counts at most about 5 a character of JSON text (1e20
  // is 21 digits), so text under an eighth of MAX_BODY_BYTES cannot pass it. Most bodies (a pod, a PUT, a status
  // PATCH) skip the walk.
  if (shape.depth > MAX_DEPTH || text.length > MAX_BODY_BYTES / 8) checkDecoded(value);
  rememberDuplicateFields(value, duplicates);
  if (!shape.nulls && !shape.protoKey) rememberPlainJson(value);
  return value;
}

const NOT_JSON = Symbol('not JSON');

/**
 * parseYaml parses one YAML document with the YAML 1.2 core schema. JSON, which is what server-side apply clients
 * send, takes the JSON parser. Aliases expand at most MAX_YAML_ALIASES times.
 */
export function parseYaml(raw: Buffer | string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (/^\s*[[{]/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = NOT_JSON; // a YAML flow collection such as {a: 1}, parsed as YAML below
    }
    if (value !== NOT_JSON) return checkedJson(text, value);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', merge: false, uniqueKeys: false, lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  // The yaml parser recurses per nesting level (a few hundred fit) and reports its own stack overflow as an error.
  if (first && /Maximum call stack size exceeded/.test(first.message)) throw errors.badRequest('the request body is nested too deeply: exceeded max depth');
  if (first) throw errors.badRequest(`the request body is not valid YAML: ${yamlError(first.message, first.linePos?.[0])}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    const message = e instanceof ReferenceError && /alias/i.test(e.message) ? `document contains excessive aliasing (more than ${MAX_YAML_ALIASES} alias expansions)` : (e as Error).message;
    throw errors.badRequest(`the request body is not valid YAML: ${message}`);
  }
  checkDecoded(value);
  rememberDuplicateFields(value, findDuplicateYamlKeys(doc, lineCounter));
  return value;
}

function yamlError(message: string, pos: { line: number; col: number } | undefined): string {
  const text = message.split('\n')[0]!;
  return pos && !text.includes(' at line ') ? `${text} at line ${pos.line}, column ${pos.col}` : text;
}

/**
 * checkDecoded refuses a decoded body nested deeper than MAX_DEPTH (400: later code recurses) or larger than
 * MAX_BODY_BYTES once YAML aliases are expanded (413).
 */
function checkDecoded(value: unknown): void {
  const m = measureJson(value, MAX_BODY_BYTES, MAX_DEPTH);
  if (m.tooDeep) throw errors.badRequest(`the request body is nested too deeply: exceeded max depth of ${MAX_DEPTH}`);
  if (m.tooLarge) throw new ApiError({ reason: 'RequestEntityTooLarge', message: `Request entity too large: the decoded body exceeds the limit of ${MAX_BODY_BYTES} bytes` });
}

/** findDuplicateYamlKeys reports repeated mapping keys the way kube-apiserver's YAML decoder words them. */
function findDuplicateYamlKeys(doc: Document, lines: LineCounter): DuplicateField[] {
  const found: Array<DuplicateField & { line: number }> = [];
  const stack: Array<{ node: unknown; path: string }> = [{ node: doc.contents, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isAlias(node)) continue; // its anchor is walked where it is defined
    if (isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: fieldPath(path, i) }));
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = String(keyNode && 'value' in keyNode ? keyNode.value : keyNode);
      if (seen.has(key)) {
        const line = keyNode?.range ? lines.linePos(keyNode.range[0]).line : 0;
        found.push({ line, path: fieldPath(path, key), message: `line ${line}: key ${JSON.stringify(key)} already set in map` });
      }
      seen.add(key);
      stack.push({ node: pair.value, path: fieldPath(path, key) });
    }
  }
  return found.sort((a, b) => a.line - b.line).map(({ path, message }) => ({ path, message }));
}
