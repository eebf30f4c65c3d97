/**
 * @module The JSON text of stored objects, made once at write time and reused by every response that sends them.
 */
import { goStringify } from './go-json.js';

// Keyed by object identity: stored objects are read-only (Storage's contract), so their text never goes stale, and
// an entry goes away with the object once no cache entry, event or response holds it.
const texts = new WeakMap<object, string>();

/** rememberJson records `json` as the serialization of the stored, read-only object `obj`. */
export function rememberJson(obj: object, json: string): void {
  texts.set(obj, json);
}

/**
 * storedJson returns obj's JSON escaped as Go writes it (see goJson): the text the store made at write time when obj
 * is a stored object, else made now (a dry run's object, a converted one, a Status), so every response's bytes are
 * what kube-apiserver would send.
 */
export function storedJson(obj: object): string {
  return texts.get(obj) ?? goStringify(obj);
}
