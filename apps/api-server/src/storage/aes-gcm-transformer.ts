/**
 * @module AesGcmTransformer: encryption at rest of chosen resources (Secrets by default) with AES-256-GCM, the
 * `aesgcm` provider of kube-apiserver's EncryptionConfiguration.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './encryption-key-file.js';
import type { ResourceKey } from './storage.js';
import type { FromStorage, StorageTransformer } from './storage-transformer.js';
import { StoreOpenError } from './store-open-error.js';

/** Stored values start with this, then `<key name>:` and base64(nonce | ciphertext | tag), as kube's k8s:enc:aesgcm:v1:. */
export const ENCRYPTED_PREFIX = 'skiff:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AesGcmTransformer encrypts the objects of `resources` with the first key and decrypts with any key, named by the
 * stored prefix. The object's key (resource/namespace/name) is authenticated data, so a value moved to another row
 * does not decrypt (kube binds ciphertext to the etcd key the same way). Plain JSON of an encrypted resource (written
 * before encryption was on) and values under a key other than the first read as stale, so the store rewrites them;
 * so do encrypted values of a resource no longer listed, which are then stored plain.
 */
export class AesGcmTransformer implements StorageTransformer {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #primary: EncryptionKey;
  readonly #resources: ReadonlySet<string>;
  readonly #source: string;
  readonly resources: readonly string[];

  /** `source` names where the keys came from (the key file), for errors an operator must act on. */
  constructor(keys: readonly EncryptionKey[], resources: readonly string[], source: string) {
    const [primary] = keys;
    if (!primary) throw new StoreOpenError(`${source} holds no encryption key`);
    this.#primary = primary;
    this.#keys = new Map(keys.map((k) => [k.name, k.secret]));
    this.#resources = new Set(resources);
    this.resources = [...resources];
    this.#source = source;
  }

  toStorage(key: ResourceKey, json: string): string {
    if (!this.#resources.has(key.resource)) return json;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#primary.secret, nonce);
    cipher.setAAD(aad(key));
    const body = Buffer.concat([nonce, cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${ENCRYPTED_PREFIX}${this.#primary.name}:${body.toString('base64')}`;
  }

  fromStorage(key: ResourceKey, stored: string): FromStorage {
    const listed = this.#resources.has(key.resource);
    if (!stored.startsWith(ENCRYPTED_PREFIX)) return { json: stored, stale: listed };
    const rest = stored.slice(ENCRYPTED_PREFIX.length);
    const colon = rest.indexOf(':');
    const name = rest.slice(0, colon);
    const secret = colon > 0 ? this.#keys.get(name) : undefined;
    const what = `${key.resource} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
    if (!secret) {
      throw new StoreOpenError(
        `${what} is encrypted with key "${name}", which ${this.#source} does not hold (it holds ${[...this.#keys.keys()].map((k) => `"${k}"`).join(', ')}); ` +
          `restore the key file that holds "${name}" (keep removed keys until every value is rewritten: see "Encryption at rest" in the README)`,
      );
    }
    const body = Buffer.from(rest.slice(colon + 1), 'base64');
    try {
      if (body.length < NONCE_BYTES + TAG_BYTES) throw new Error('value too short');
      const decipher = createDecipheriv('aes-256-gcm', secret, body.subarray(0, NONCE_BYTES));
      decipher.setAAD(aad(key));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const json = Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return { json, stale: !listed || name !== this.#primary.name };
    } catch (err) {
      throw new StoreOpenError(
        `${what} does not decrypt with key "${name}" of ${this.#source} (${(err as Error).message}): the key was changed after it was used, or the database is damaged; ` +
          'restore the key file or the database from a backup',
        { cause: err },
      );
    }
  }
}

function aad(key: ResourceKey): Buffer {
  return Buffer.from(`${key.resource}/${key.namespace}/${key.name}`);
}
