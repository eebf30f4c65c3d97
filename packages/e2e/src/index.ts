/**
 * @module @skiff/e2e: the Cluster harness used by end-to-end scenarios.
 */
export * from './cluster.js';
