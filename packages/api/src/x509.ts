/**
 * @module x509: @peculiar/x509, loaded on first use. With its dependencies (tsyringe, the asn1 schemas) it is about
 * 200 modules, a tenth of a process's start-up CPU and live heap, and most processes never make or read a
 * certificate. Get it from here (`loadX509()`, types as `X509.*`), never from the package itself: one instance, with
 * the Reflect metadata polyfill its dependency injection needs loaded first.
 */
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

export type { X509 };

// require, not import(): certificate and CSR checks run inside synchronous validation. The package's `main` is its
// CommonJS build, the one a static import loaded before.
const require = createRequire(import.meta.url);
let loaded: typeof X509 | undefined;

/** loadX509 returns @peculiar/x509, loading it (after reflect-metadata) the first time. */
export function loadX509(): typeof X509 {
  if (!loaded) {
    require('reflect-metadata');
    loaded = require('@peculiar/x509') as typeof X509;
  }
  return loaded;
}
