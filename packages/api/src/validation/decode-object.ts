/**
 * @module Structural decoding of request bodies: JSON types, unknown fields per fieldValidation, apiVersion/kind.
 */
import type { z } from 'zod';
import type { Scale } from '../apps.js';
import type { DeleteOptions, KubeObject } from '../meta.js';
import type { Binding } from '../pod.js';
import { kindFor } from '../kinds/index.js';
import { evictionSchema, type Eviction } from '../kinds/pod-disruption-budget.js';
import { ApiError } from '../status.js';
import { duplicateFieldsOf, type DuplicateField } from './duplicate-fields.js';
import { isPlainJson } from './plain-json.js';
import { deleteOptionsSchema } from './meta-schema.js';
import { bindingSchema } from './pod-schema.js';
import { scaleSchema } from './scale-schema.js';
import {
  localSubjectAccessReviewSchema,
  selfSubjectAccessReviewSchema,
  selfSubjectReviewSchema,
  selfSubjectRulesReviewSchema,
  subjectAccessReviewSchema,
  type AccessReview,
  type RulesReview,
  type SelfSubjectReview,
} from '../rbac/review-schemas.js';

/** FieldValidation is the `fieldValidation` query parameter: what to do with fields the schema does not know. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface DecodeOptions {
  fieldValidation: FieldValidation;
  /** Keys the body repeated; by default those its parser recorded for `body` (see rememberDuplicateFields). */
  duplicateFields?: readonly DuplicateField[];
}

export interface Decoded<T> {
  object: T;
  /** Texts for `Warning: 299 - "..."` headers (unknown fields under Warn). */
  warnings: string[];
}

/** BodyKind names the non-resource bodies the api-server decodes. */
export type BodyKind = 'Binding' | 'Scale' | 'DeleteOptions' | 'SelfSubjectAccessReview' | 'SubjectAccessReview' | 'LocalSubjectAccessReview' | 'SelfSubjectRulesReview' | 'SelfSubjectReview' | 'Eviction';

interface BodyTypes {
  Binding: Binding;
  Scale: Scale;
  DeleteOptions: DeleteOptions;
  SelfSubjectAccessReview: AccessReview;
  SubjectAccessReview: AccessReview;
  LocalSubjectAccessReview: AccessReview;
  SelfSubjectRulesReview: RulesReview;
  SelfSubjectReview: SelfSubjectReview;
  Eviction: Eviction;
}

// Each schema is a lazySchema thunk: a body kind's schema is built when such a body is first decoded.
const BODIES: { [K in BodyKind]: { apiVersions: string[]; schema: () => z.ZodType<BodyTypes[K]>; fill: boolean } } = {
  Binding: { apiVersions: ['v1'], schema: bindingSchema, fill: true },
  Scale: { apiVersions: ['autoscaling/v1'], schema: scaleSchema, fill: true },
  // DELETE bodies may say meta.k8s.io/v1 or v1 and often say nothing at all.
  DeleteOptions: { apiVersions: ['v1', 'meta.k8s.io/v1'], schema: deleteOptionsSchema, fill: false },
  SelfSubjectAccessReview: { apiVersions: ['authorization.k8s.io/v1'], schema: selfSubjectAccessReviewSchema, fill: true },
  SubjectAccessReview: { apiVersions: ['authorization.k8s.io/v1'], schema: subjectAccessReviewSchema, fill: true },
  LocalSubjectAccessReview: { apiVersions: ['authorization.k8s.io/v1'], schema: localSubjectAccessReviewSchema, fill: true },
  SelfSubjectRulesReview: { apiVersions: ['authorization.k8s.io/v1'], schema: selfSubjectRulesReviewSchema, fill: true },
  SelfSubjectReview: { apiVersions: ['authentication.k8s.io/v1'], schema: selfSubjectReviewSchema, fill: true },
  // pods/eviction: kubectl drain sends policy/v1 (policy/v1beta1 is gone from kube 1.25).
  Eviction: { apiVersions: ['policy/v1'], schema: evictionSchema, fill: true },
};

/**
 * decodeObject turns a parsed JSON body into a typed object of `resource` the way kube-apiserver's decoder does:
 * wrong JSON types are 400s naming the field, unknown fields are dropped (and warned about or rejected per
 * fieldValidation), and a missing apiVersion/kind is filled in because curl users often leave them out.
 */
export function decodeObject(resource: string, body: unknown, opts: DecodeOptions): Decoded<KubeObject> {
  const kind = kindFor(resource);
  return decodeWith(kind.schema, kind.info.kind, [kind.info.apiVersion], true, body, opts);
}

/** decodeServedVersion decodes a body of a kind's other served version (autoscaling/v1 HPA) against that version's schema. */
export function decodeServedVersion<T>(schema: z.ZodType<T>, info: { kind: string; apiVersion: string }, body: unknown, opts: DecodeOptions): Decoded<T> {
  return decodeWith(schema, info.kind, [info.apiVersion], true, body, opts);
}

/** decodeBody decodes the bodies of pods/binding, the scale subresource, DELETE and the reviews. */
export function decodeBody<K extends BodyKind>(kind: K, body: unknown, opts: DecodeOptions): Decoded<BodyTypes[K]> {
  const spec = BODIES[kind] as { apiVersions: string[]; schema: () => z.ZodType<BodyTypes[K]>; fill: boolean };
  return decodeWith(spec.schema(), kind, spec.apiVersions, spec.fill, body, opts);
}

function decodeWith<T>(
  schema: z.ZodType<T>,
  kind: string,
  apiVersions: string[],
  fill: boolean,
  body: unknown,
  opts: DecodeOptions,
): Decoded<T> {
  const apiVersion = apiVersions[0] ?? 'v1';
  // Made only for an error: every body is decoded, few are refused.
  const prefix = (): string => `${kind} in version "${apiVersion}" cannot be handled as a ${kind}`;
  if (!isPlainObject(body)) throw new ApiError({ reason: 'BadRequest', message: `${prefix()}: expected a JSON object, got ${jsonType(body)}` });
  // A body its parser saw no null in (rememberPlainJson) would come out of stripNulls as an equal copy: only the
  // top level is copied, for the apiVersion/kind filled in below (the schema does not change its input).
  const input = (isPlainJson(body) ? { ...body } : stripNulls(body, RAW_EXTENSION_FIELDS[kind])) as Record<string, unknown>;
  if (input.kind !== undefined && input.kind !== kind) {
    throw new ApiError({ reason: 'BadRequest', message: `the kind in the data (${String(input.kind)}) does not match the expected kind (${kind})` });
  }
  if (input.apiVersion !== undefined && !apiVersions.includes(input.apiVersion as string)) {
    throw new ApiError({
      reason: 'BadRequest',
      message: `the API version in the data (${String(input.apiVersion)}) does not match the expected API version (${apiVersion})`,
    });
  }
  if (fill) {
    input.apiVersion ??= apiVersion;
    input.kind ??= kind;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.map((i) => `error decoding ${i.path.length ? `"${formatPath(i.path)}"` : 'body'}: ${i.message.replace(/^Invalid input: /, '')}`);
    throw new ApiError({ reason: 'BadRequest', message: `${prefix()}: ${details.join('; ')}` });
  }
  if (opts.fieldValidation === 'Ignore') return { object: result.data, warnings: [] };
  const unknown = droppedFields(input, result.data, '');
  // Like kube-apiserver for typed objects: a key both unknown and repeated is reported as unknown only.
  const isUnknown = (path: string): boolean => unknown.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
  const duplicates = (opts.duplicateFields ?? duplicateFieldsOf(body)).filter((d) => !isUnknown(d.path));
  const problems = [...duplicates.map((d) => d.message), ...unknown.map((f) => `unknown field "${f}"`)];
  if (problems.length > 0 && opts.fieldValidation === 'Strict') {
    throw new ApiError({ reason: 'BadRequest', message: `${prefix()}: strict decoding error: ${problems.join(', ')}` });
  }
  return { object: result.data, warnings: problems };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * RAW_EXTENSION_FIELDS are a kind's runtime.RawExtension fields: kube keeps their bytes as sent, nulls included
 * (a ControllerRevision's data holds `creationTimestamp: null`, which `kubectl rollout undo` compares byte for byte).
 */
const RAW_EXTENSION_FIELDS: Record<string, readonly string[]> = { ControllerRevision: ['data'] };

/**
 * stripNulls removes null object members, which Go's decoder treats as "unset" (`creationTimestamp: null`); the
 * top-level `raw` members are kept as they are.
 */
function stripNulls(v: unknown, raw: readonly string[] = NO_RAW): unknown {
  if (Array.isArray(v)) return v.map((x) => stripNulls(x));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  // Keys, not entries: every member of every body passes here, and an entry is an array of its own.
  for (const k of Object.keys(v)) {
    const val = v[k];
    if (raw.includes(k)) out[k] = val;
    else if (val !== null) out[k] = stripNulls(val);
  }
  return out;
}

const NO_RAW: readonly string[] = [];

function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** droppedFields lists the input members the schema stripped, as dotted paths like `spec.containers[0].foo`. */
function droppedFields(input: unknown, output: unknown, path: string, found: string[] = []): string[] {
  // Runs on every decoded body: paths are made only for members that are dropped or descended into.
  if (Array.isArray(input)) {
    if (Array.isArray(output)) for (let i = 0; i < input.length; i++) if (typeof input[i] === 'object' && input[i] !== null) droppedFields(input[i], output[i], `${path}[${i}]`, found);
  } else if (isPlainObject(input) && isPlainObject(output)) {
    for (const key of Object.keys(input)) {
      const value = input[key];
      if (!Object.hasOwn(output, key)) found.push(path === '' ? key : `${path}.${key}`);
      else if (typeof value === 'object' && value !== null) droppedFields(value, output[key], path === '' ? key : `${path}.${key}`, found);
    }
  }
  return found;
}
