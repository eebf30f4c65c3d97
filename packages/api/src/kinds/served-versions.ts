/**
 * @module SERVED_VERSIONS: every (kind, other served version) pair of KINDS, resolved into what the api-server's
 * router, discovery and OpenAPI need: the version's descriptor, its decoder and its conversions to and from the
 * storage version. SERVED_KINDS is KINDS plus each such version as a kind of its own, for the OpenAPI documents.
 */
import type { z } from 'zod';
import type { KubeObject } from '../meta.js';
import type { ResourceInfo } from '../resource-info.js';
import { decodeServedVersion, type DecodeOptions, type Decoded } from '../validation/decode-object.js';
import { KINDS } from './index.js';
import { defineKind, type Kind } from './kind.js';
import type { ServedVersionSpec } from './served-version.js';

export interface ServedVersion {
  /** The version's descriptor: the storage kind's names, scope and subresources in this group/version. */
  info: ResourceInfo;
  /** This version as a kind (its own schema), for OpenAPI; it has none of the storage kind's hooks. */
  kind: Kind;
  /** The kind objects are stored in. */
  storage: Kind;
  /** decode checks a request body against this version's schema (unknown fields per fieldValidation) and converts it. */
  decode(body: unknown, opts: DecodeOptions): Decoded<KubeObject>;
  /** toStorage converts without decoding, keeping a partial object partial (apply configurations). */
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/** withTypeMeta puts apiVersion and kind first, whatever the conversion wrote. */
const withTypeMeta = (obj: unknown, info: ResourceInfo): KubeObject => ({ ...(obj as KubeObject), apiVersion: info.apiVersion, kind: info.kind }) as KubeObject;

function resolve(storage: Kind, spec: ServedVersionSpec): ServedVersion {
  const { group, kind: name, plural, namespaced, shortNames, categories, hasStatus } = storage;
  // Subresources in other groups (Scale) keep theirs; status follows the version.
  const subresources = (storage.subresources ?? []).map((s) => (s.group === group && s.version === storage.version ? { ...s, version: spec.version } : s));
  const kind = defineKind({ group, version: spec.version, kind: name, plural, namespaced, shortNames, categories, hasStatus, subresources, schema: spec.schema as () => z.ZodType<KubeObject> }) as Kind;
  const info = kind.info;
  return {
    info,
    kind,
    storage,
    decode(body, opts) {
      const { object, warnings } = decodeServedVersion(kind.schema, info, body, opts);
      return { object: withTypeMeta(spec.toStorage(object), storage.info), warnings };
    },
    toStorage: (obj) => withTypeMeta(spec.toStorage(obj), storage.info),
    fromStorage: (obj) => withTypeMeta(spec.fromStorage(obj), info),
  };
}

export const SERVED_VERSIONS: readonly ServedVersion[] = KINDS.flatMap((k) => (k.servedVersions ?? []).map((v) => resolve(k, v)));

/** SERVED_KINDS is every kind as each version serves it: KINDS (storage versions first, so preferred), then the others. */
export const SERVED_KINDS: readonly Kind[] = [...KINDS, ...SERVED_VERSIONS.map((v) => v.kind)];

const BY_VERSION = new Map(SERVED_VERSIONS.map((v) => [`${v.info.apiVersion}/${v.info.plural}`, v]));

/** servedVersionOf returns the conversion of a descriptor in a non-storage version, undefined for a storage version. */
export function servedVersionOf(info: ResourceInfo): ServedVersion | undefined {
  return BY_VERSION.get(`${info.apiVersion}/${info.plural}`);
}
