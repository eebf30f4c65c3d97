/**
 * @module @skiff/testing: helpers for tests of every workspace. Source only (the "@skiff/source" export that
 * Vitest and `npm run typecheck` resolve), so it never reaches a dist/ or the image.
 */
export { waitFor, type WaitForOptions } from './wait-for.js';
export { recordPods, type PodExtremes, type PodLister } from './record-pods.js';
export { freePort } from './free-port.js';
export { testPki, type TestPki, type PemPair } from './test-pki.js';
export { pidsWithArg } from './pids-with-arg.js';
