/**
 * @module x509: @skiff/api's @peculiar/x509 (loaded after its Reflect polyfill), set up on Node's WebCrypto.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '@skiff/api';

x509.cryptoProvider.set(webcrypto);

export { x509 };
