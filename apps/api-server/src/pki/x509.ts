/**
 * @module x509: @peculiar/x509 set up on Node's WebCrypto. Import certificate code from here, never from the package
 * directly: its dependency injection (tsyringe) needs the Reflect metadata polyfill loaded before it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
