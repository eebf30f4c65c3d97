/**
 * @module ServiceAccount token keys: `pki/sa.key` (signs) and `pki/sa.pub` (verifies), made on first start as
 * kubeadm does, or read from --service-account-signing-key-file and --service-account-key-file.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** ServiceAccountKeys: the private key that signs new tokens and every public key a token may be verified with. */
export interface ServiceAccountKeys {
  signingKey: KeyObject;
  verificationKeys: KeyObject[];
}

/**
 * ensureServiceAccountKeyPair writes an RSA 2048 key pair (RS256, kube's default and what every JWT library
 * accepts) at `keyPath` and `pubPath` unless the private key is already there. The private key is 0600.
 */
export function ensureServiceAccountKeyPair(keyPath: string, pubPath: string): void {
  try {
    readFileSync(keyPath);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(dirname(keyPath), { recursive: true, mode: 0o700 });
  writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  // Written last and exclusively: a crash between the two writes leaves no key without its public half.
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
}

/**
 * readServiceAccountKeys reads the signing key and the verification key files. A verification file may hold
 * public keys, certificates or private keys (kube accepts all three), one or more PEM blocks each; the signing
 * key's own public half always verifies.
 */
export function readServiceAccountKeys(signingKeyFile: string, keyFiles: readonly string[]): ServiceAccountKeys {
  const signingKey = createPrivateKey(readFileSync(signingKeyFile));
  const verificationKeys = [createPublicKey(signingKey)];
  for (const file of keyFiles) {
    const blocks = readFileSync(file, 'utf8').match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
    if (blocks.length === 0) throw new Error(`--service-account-key-file ${file}: no PEM key found`);
    for (const pem of blocks) verificationKeys.push(publicKeyOf(pem, file));
  }
  return { signingKey, verificationKeys: dedupe(verificationKeys) };
}

function publicKeyOf(pem: string, file: string): KeyObject {
  try {
    if (pem.includes('PRIVATE KEY')) return createPublicKey(createPrivateKey(pem));
    return createPublicKey(pem); // a public key or a certificate
  } catch (err) {
    throw new Error(`--service-account-key-file ${file}: ${(err as Error).message}`);
  }
}

/** keyId is kube's `kid`: the unpadded base64url SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function dedupe(keys: KeyObject[]): KeyObject[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = keyId(k);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
