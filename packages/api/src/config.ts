/**
 * @module core/v1 ConfigMap, Secret and ServiceAccount: what pods read their configuration and credentials from.
 */
import type { ObjectMeta } from './meta.js';

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  /** UTF-8 values. */
  data?: Record<string, string>;
  /** base64 values (non-UTF-8 content). */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** The Secret types Kubernetes defines, each with the keys it requires. */
export type SecretType =
  | 'Opaque'
  | 'kubernetes.io/service-account-token'
  | 'kubernetes.io/dockercfg'
  | 'kubernetes.io/dockerconfigjson'
  | 'kubernetes.io/basic-auth'
  | 'kubernetes.io/ssh-auth'
  | 'kubernetes.io/tls'
  | 'bootstrap.kubernetes.io/token';

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  /** base64 values. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into data on write. */
  stringData?: Record<string, string>;
  type?: SecretType | string;
  immutable?: boolean;
}

export interface ServiceAccount {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ObjectMeta;
  secrets?: { name?: string; namespace?: string; kind?: string; apiVersion?: string; uid?: string }[];
  imagePullSecrets?: { name: string }[];
  automountServiceAccountToken?: boolean;
}
