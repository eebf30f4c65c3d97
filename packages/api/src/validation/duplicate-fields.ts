/**
 * @module Duplicate keys in a request body: found while parsing (JSON.parse keeps the last one silently), carried to
 * decodeObject, which rejects them under fieldValidation=Strict and warns under Warn, as kube-apiserver does.
 */

/** DuplicateField is one repeated key: its field path (`spec.paused`) and the text kube-apiserver reports for it. */
export interface DuplicateField {
  path: string;
  message: string;
}

const byBody = new WeakMap<object, readonly DuplicateField[]>();

/** rememberDuplicateFields records the duplicates found in the text a parsed body came from. */
export function rememberDuplicateFields(body: unknown, found: readonly DuplicateField[]): void {
  if (found.length > 0 && typeof body === 'object' && body !== null) byBody.set(body, found);
}

/** duplicateFieldsOf returns what rememberDuplicateFields recorded for a parsed body (none for other values). */
export function duplicateFieldsOf(body: unknown): readonly DuplicateField[] {
  return typeof body === 'object' && body !== null ? (byBody.get(body) ?? []) : [];
}

/** fieldPath appends a key or an index to a kube field path: `spec.containers[0].name`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

interface Frame {
  /** The enclosing frame and this value's key or index in it; the path is spelled out only for a duplicate. */
  parent: Frame | undefined;
  at: string | number;
  /** Keys seen so far in an object; undefined for an array. */
  keys: Set<string> | undefined;
  index: number;
  key: string;
}

/** pathOf spells out a frame's field path, walking up without recursion (nesting may be deep). */
function pathOf(frame: Frame | undefined): string {
  const at: (string | number)[] = [];
  for (let f = frame; f?.parent; f = f.parent) at.push(f.at);
  let path = '';
  for (let i = at.length - 1; i >= 0; i--) path = fieldPath(path, at[i]!);
  return path;
}

/** JsonTextShape is what findDuplicateJsonFields notes on its way, so no other pass over the body is needed for it. */
export interface JsonTextShape {
  /** The most containers open at once (`{"a":[1]}` is 2). */
  depth: number;
  /** Whether a `null` value occurs anywhere. */
  nulls: boolean;
  /** Whether some object has a `__proto__` key. */
  protoKey: boolean;
}

/**
 * findDuplicateJsonFields lists repeated object keys in JSON text that JSON.parse has already accepted. It is one
 * pass with an explicit stack, so nesting depth costs no call stack; it runs on every JSON body, so field paths are
 * made only for the duplicates it reports. `shape`, when given, gets the text's JsonTextShape; the scan stops once
 * more than `maxDepth` containers are open (a body its caller refuses then: a frame each would cost memory).
 */
export function findDuplicateJsonFields(text: string, shape?: JsonTextShape, maxDepth = Infinity): DuplicateField[] {
  const found: DuplicateField[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  let depth = 0;
  let nulls = false;
  let protoKey = false;
  const child = (keys: Set<string> | undefined): Frame => {
    const top = stack[stack.length - 1];
    return { parent: top, at: top ? (top.keys ? top.key : top.index) : '', keys, index: 0, key: '' };
  };
  for (let i = 0; i < text.length && depth <= maxDepth; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) break;
        else j++;
      }
      if (expectKey) {
        const top = stack[stack.length - 1]!;
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (key === '__proto__') protoKey = true;
        if (top.keys!.has(key)) {
          const path = fieldPath(pathOf(top), key);
          found.push({ path, message: `duplicate field "${path}"` });
        } else top.keys!.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      if (stack.push(child(new Set())) > depth) depth = stack.length;
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      if (stack.push(child(undefined)) > depth) depth = stack.length;
    } else if (c === 0x6e /* n: outside a string, only null */) {
      nulls = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.keys) expectKey = true;
      else top.index++;
    }
  }
  if (shape) {
    shape.depth = depth;
    shape.nulls = nulls;
    shape.protoKey = protoKey;
  }
  return found;
}
