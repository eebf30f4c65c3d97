/**
 * @module applyJsonPatch: JSON Patch (RFC 6902) with JSON Pointers (RFC 6901), client-node's default patch type.
 */
import { ApiError } from '@skiff/api';
import { cloneJson, hasOwn, isJsonObject, jsonEqual, measureJson, setOwn, type JsonObject } from './json-value.js';

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

interface Operation {
  op: OpName;
  path: string[];
  rawPath: string;
  from?: string[];
  rawFrom?: string;
  value?: unknown;
}

const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** MAX_OPERATIONS is kube-apiserver's maxJSONPatchOperations; a longer patch is refused with 413 before it runs. */
export const MAX_OPERATIONS = 10_000;

/**
 * MAX_COPY_BYTES bounds how much JSON `copy` operations may add in one patch (kube-apiserver's JSONPatchMaxCopyBytes,
 * json-patch's AccumulatedCopySizeLimit): each copy can double a document, so 22 of them turn 1 KB into gigabytes.
 */
export const MAX_COPY_BYTES = 3 * 1024 * 1024;

const malformed = (message: string): ApiError => new ApiError({ reason: 'BadRequest', message });

/** rejected is kube's answer when a well-formed patch cannot apply: 422 with the jsonpatch error as the cause. */
function rejected(detail: string): ApiError {
  return new ApiError({
    reason: 'Invalid',
    message: `the server rejected our request due to an error in our request: ${detail}`,
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] },
  });
}

/** parsePointer splits an RFC 6901 pointer into unescaped tokens ("" is the whole document). */
function parsePointer(pointer: unknown, what: string, index: number): string[] {
  if (typeof pointer !== 'string') throw malformed(`invalid JSON patch: operation ${index}: "${what}" must be a string`);
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw malformed(`invalid JSON patch: operation ${index}: ${what} ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw malformed(`invalid JSON patch: operation ${index}: bad escape in ${what} ${JSON.stringify(pointer)}`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** parseOperations checks the document's shape up front so a malformed patch is a 400 before anything applies. */
function parseOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw malformed('invalid JSON patch: the patch document must be a JSON array of operations');
  if (ops.length > MAX_OPERATIONS) {
    throw new ApiError({ reason: 'RequestEntityTooLarge', message: `The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${ops.length}` });
  }
  return ops.map((raw, i): Operation => {
    if (!isJsonObject(raw)) throw malformed(`invalid JSON patch: operation ${i} is not an object`);
    const op = raw['op'];
    if (typeof op !== 'string' || !OPS.has(op)) throw malformed(`invalid JSON patch: operation ${i}: unknown op ${JSON.stringify(op ?? null)}`);
    const parsed: Operation = { op: op as OpName, path: parsePointer(raw['path'], 'path', i), rawPath: raw['path'] as string };
    if (op === 'add' || op === 'replace' || op === 'test') {
      if (!hasOwn(raw, 'value')) throw malformed(`invalid JSON patch: operation ${i}: "${op}" requires "value"`);
      parsed.value = raw['value'];
    }
    if (op === 'move' || op === 'copy') {
      parsed.from = parsePointer(raw['from'], 'from', i);
      parsed.rawFrom = raw['from'] as string;
    }
    return parsed;
  });
}

/** arrayIndex parses an array token: digits without leading zeros, within bounds (length allowed when adding). */
function arrayIndex(token: string, arr: unknown[], forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw rejected(`invalid array index ${JSON.stringify(token)} in path ${JSON.stringify(pointer)}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw rejected(`array index ${i} out of bounds in path ${JSON.stringify(pointer)}`);
  return i;
}

/** parentOf walks to the container of the last token; every intermediate value must exist. */
function parentOf(doc: unknown, path: string[], pointer: string): unknown {
  let node = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const token = path[i]!;
    if (Array.isArray(node)) node = node[arrayIndex(token, node, false, pointer)];
    else if (isJsonObject(node) && hasOwn(node, token)) node = node[token];
    else throw rejected(`doc is missing path: ${JSON.stringify(pointer)}: missing value`);
  }
  return node;
}

function getAt(doc: unknown, path: string[], pointer: string): unknown {
  if (path.length === 0) return doc;
  const parent = parentOf(doc, path, pointer);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent, false, pointer)];
  if (isJsonObject(parent) && hasOwn(parent, last)) return parent[last];
  throw rejected(`doc is missing path: ${JSON.stringify(pointer)}: missing value`);
}

/** Each mutator returns the new document, since an operation on "" replaces the root. */
function addAt(doc: unknown, path: string[], pointer: string, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path, pointer);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent, true, pointer), 0, value);
  else if (isJsonObject(parent)) setOwn(parent, last, value);
  else throw rejected(`doc is missing path: ${JSON.stringify(pointer)}: missing value`);
  return doc;
}

function removeAt(doc: unknown, path: string[], pointer: string): unknown {
  if (path.length === 0) throw rejected('unable to remove the whole document');
  const parent = parentOf(doc, path, pointer);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent, false, pointer), 1);
  else if (isJsonObject(parent) && hasOwn(parent, last)) delete (parent as JsonObject)[last];
  else throw rejected(`unable to remove nonexistent key: ${JSON.stringify(pointer)}: missing value`);
  return doc;
}

function replaceAt(doc: unknown, path: string[], pointer: string, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = parentOf(doc, path, pointer);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[arrayIndex(last, parent, false, pointer)] = value;
  else if (isJsonObject(parent) && hasOwn(parent, last)) setOwn(parent, last, value);
  else throw rejected(`replace operation does not apply: doc is missing key: ${JSON.stringify(pointer)}: missing value`);
  return doc;
}

/**
 * applyJsonPatch applies RFC 6902 operations in order to a copy of target. A patch that is not an array of
 * well-formed operations is a 400 BadRequest; a failing `test`, a missing path or a bad array index is what
 * kube-apiserver answers with 422 Invalid ("the server rejected our request due to an error in our request").
 * Inputs are never mutated.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = parseOperations(ops);
  let doc = cloneJson(target);
  let copied = 0;
  for (const o of operations) {
    switch (o.op) {
      case 'add':
        doc = addAt(doc, o.path, o.rawPath, cloneJson(o.value));
        break;
      case 'remove':
        doc = removeAt(doc, o.path, o.rawPath);
        break;
      case 'replace':
        doc = replaceAt(doc, o.path, o.rawPath, cloneJson(o.value));
        break;
      case 'test':
        if (!jsonEqual(getAt(doc, o.path, o.rawPath), o.value)) throw rejected(`testing value ${o.rawPath} failed: test failed`);
        break;
      case 'copy': {
        const value = getAt(doc, o.from!, o.rawFrom!);
        // Measured before the copy is made, so a refused copy never allocates.
        const size = measureJson(value, MAX_COPY_BYTES - copied);
        if (size.tooLarge) throw rejected(`Unable to complete the copy, the accumulated size increase of copy exceeds the limit ${MAX_COPY_BYTES} bytes`);
        copied += size.bytes;
        doc = addAt(doc, o.path, o.rawPath, cloneJson(value));
        break;
      }
      case 'move': {
        const from = o.rawFrom!;
        if (o.rawPath !== from && o.rawPath.startsWith(`${from}/`)) throw rejected(`cannot move ${JSON.stringify(from)} into its own child ${JSON.stringify(o.rawPath)}`);
        const value = getAt(doc, o.from!, from);
        doc = removeAt(doc, o.from!, from);
        doc = addAt(doc, o.path, o.rawPath, value);
        break;
      }
    }
  }
  return doc;
}
