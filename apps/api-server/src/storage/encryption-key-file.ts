/**
 * @module The key file of encryption at rest: `<name>:<base64 of 32 bytes>` per line; the first key encrypts, every
 * key decrypts (kube's EncryptionConfiguration lists keys the same way). `#` starts a comment.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { StoreOpenError } from './store-open-error.js';

/** EncryptionKey is one named AES-256 key. */
export interface EncryptionKey {
  name: string;
  secret: Buffer;
}

const KEY_BYTES = 32;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** parseEncryptionKeys reads a key file's text; `path` names it in errors. */
export function parseEncryptionKeys(text: string, path: string): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const names = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${path} line ${i + 1}`;
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0));
    if (!NAME.test(name)) throw new StoreOpenError(`${at}: want <name>:<base64 key>, where the name is letters, digits, '.', '_' or '-'`);
    const secret = Buffer.from(line.slice(colon + 1), 'base64');
    if (secret.length !== KEY_BYTES) throw new StoreOpenError(`${at}: key "${name}" is ${secret.length} bytes; AES-256 needs ${KEY_BYTES} (head -c 32 /dev/urandom | base64)`);
    if (names.has(name)) throw new StoreOpenError(`${at}: key name "${name}" is used twice`);
    names.add(name);
    keys.push({ name, secret });
  });
  if (keys.length === 0) throw new StoreOpenError(`${path} holds no encryption key`);
  return keys;
}

/** readEncryptionKeyFile reads the keys at `path`, or undefined when there is no such file. */
export function readEncryptionKeyFile(path: string): EncryptionKey[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreOpenError(`cannot read encryption key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseEncryptionKeys(text, path);
}

/**
 * createEncryptionKeyFile writes a new file with one fresh key, readable by this user only, and fsyncs it: values
 * encrypted with a key that never reached the disk could not be read again. Fails if the file exists.
 */
export function createEncryptionKeyFile(path: string, now: Date): EncryptionKey[] {
  const key: EncryptionKey = { name: `key-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`, secret: randomBytes(KEY_BYTES) };
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `# Skiff encryption-at-rest keys: the first encrypts, all decrypt. Back this file up with the database.\n${formatKey(key)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return [key];
}

/** formatKey is a key file line. */
export function formatKey(key: EncryptionKey): string {
  return `${key.name}:${key.secret.toString('base64')}`;
}
