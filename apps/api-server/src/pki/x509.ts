/**
 * @module x509: @skiff/api's @peculiar/x509 (loaded on first use, after its Reflect polyfill), set up on Node's
 * WebCrypto.
 */
import { webcrypto } from 'node:crypto';
import { loadX509, type X509 } from '@skiff/api';

let ready = false;

/** x509 returns @peculiar/x509 with Node's WebCrypto as its provider, loading it the first time. */
export function x509(): typeof X509 {
  const m = loadX509();
  if (!ready) {
    m.cryptoProvider.set(webcrypto);
    ready = true;
  }
  return m;
}
