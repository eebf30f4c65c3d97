/**
 * @module Building blocks for the wire schemas: Go-like scalars, quantities, int-or-string and the list helpers that
 * carry Kubernetes' merge metadata. The OpenAPI documents and the strategic merge patch read that metadata from here.
 */
import type { z } from 'zod';
import { zod } from './zod.js';
import { Quantity, QuantityError } from '../quantity.js';
import { lazySchema } from './lazy-schema.js';

/**
 * openapiTypes holds the OpenAPI schema Kubernetes publishes for a helper whose zod form says something else
 * (int32 for a ranged integer, one string type for int-or-string and quantities). The OpenAPI generator puts it in
 * place of what zod would derive; it never affects decoding.
 */
export const openapiTypes = lazySchema(() => zod.registry<{ openapi: Record<string, unknown> }>());

const published = <S extends z.ZodType>(schema: S, openapi: Record<string, unknown>): S => {
  openapiTypes().add(schema, { openapi });
  return schema;
};

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
// JavaScript numbers are exact only to 2^53-1, so int64 fields stop there rather than at Go's 2^63-1.
const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** ranged is an integer within [min, max], refused the way Go's JSON decoder refuses an overflowing number. */
const ranged = (bits: 32 | 64, { min, max }: { min: number; max: number }): z.ZodNumber => {
  const error = (iss: { input?: unknown }): string => `cannot unmarshal number ${String(iss.input)} into a field of type int${bits}`;
  return published(zod.number().int({ error }).min(min, { error }).max(max, { error }), { type: 'integer', format: `int${bits}` });
};

/** int is a JSON number without a fraction that fits Go's int32, the type of most Kubernetes integer fields. */
export const int = (): z.ZodNumber => ranged(32, INT32);

/** int64 is an integer field that is int64 in Go (generation, grace periods, user and group IDs). */
export const int64 = (): z.ZodNumber => ranged(64, INT64);

/**
 * enumString decodes a string-valued enum as a plain string, because Kubernetes decodes enums as Go strings and
 * rejects unknown values later in validation (422 "Unsupported value"), not while decoding (400).
 */
export const enumString = <T extends string>(): z.ZodType<T> => zod.string() as unknown as z.ZodType<T>;

/** requiredEnum is an enumString that decodes to "" when absent, like a Go zero value, so validation can say "Required value". */
export const requiredEnum = <T extends string>(): z.ZodType<T> => enumString<T>().default('' as T) as unknown as z.ZodType<T>;

// One instance each: a component id may be registered once.
const INT_OR_STRING = lazySchema(() => published(
  zod.union([int(), zod.string()], { error: 'expected integer or string' }).meta({
    id: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    description: 'IntOrString is a type that can hold an int32 or a string.',
  }),
  { type: 'string', format: 'int-or-string' },
));

/** intOrString is intstr.IntOrString (ports, maxSurge). */
export const intOrString = (): z.ZodType<number | string> => INT_OR_STRING();

/** stringMap is map[string]string (labels, annotations, nodeSelector). */
export const stringMap = (): z.ZodRecord<z.ZodString, z.ZodString> => zod.record(zod.string(), zod.string());

const QUANTITY = lazySchema(() => {
  // Read here, not in the transform: a decode never goes through the lazily loaded zod.
  const never = zod.NEVER;
  return published(
    zod
      .union([zod.string(), zod.number()], { error: 'expected quantity string or number' })
      .transform((value, ctx) => {
        try {
          return Quantity.parse(value).toString();
        } catch (err) {
          if (!(err instanceof QuantityError)) throw err;
          ctx.addIssue({ code: 'custom', message: err.message, input: value });
          return never;
        }
      })
      .meta({
        id: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
        description: 'Quantity is a fixed-point representation of a number, written as a string with an optional suffix (500m, 1.5Gi, 2).',
      }),
    { type: 'string' },
  );
});

/**
 * quantity decodes a resource.Quantity from a string or a bare JSON number (`cpu: 1` in YAML) and stores its
 * canonical form, as the api-server does ("0.5" is stored as "500m").
 */
export const quantity = (): z.ZodType<string> => QUANTITY();

/** quantityMap is ResourceList (requests, limits, capacity). */
export const quantityMap = (): z.ZodType<Record<string, string>> => zod.record(zod.string(), quantity());

/** stringList is []string. */
export const stringList = (): z.ZodArray<z.ZodString> => zod.array(zod.string());

/** MapListOptions: how a list of objects keyed by some of their fields is published and merged. */
export interface MapListOptions {
  /** The patchMergeKey struct tag when it differs from the first list-map key. */
  mergeKey?: string;
  /**
   * false where the Go field has `+listType=map` but no `+patchStrategy=merge` (CSR conditions): server-side apply
   * merges by the keys, a strategic merge patch replaces the whole list.
   */
  patchMerge?: boolean;
}

/** SetListOptions: false `patchMerge` where the Go field has `+listType=set` but no `+patchStrategy=merge`. */
export interface SetListOptions {
  patchMerge?: boolean;
}

/** patchMarkers are the strategic-merge-patch extensions, left out for a field kube patches by replacing it. */
const patchMarkers = (merge: boolean, key?: string): Record<string, string> =>
  merge ? { ...(key === undefined ? {} : { 'x-kubernetes-patch-merge-key': key }), 'x-kubernetes-patch-strategy': 'merge' } : {};

/**
 * mapList is a list of objects identified by `keys` (`+listType=map`, `+listMapKey`, `+patchStrategy=merge`,
 * `+patchMergeKey` in k8s.io/api): a strategic merge patch merges its elements by those keys. A key field's
 * OpenAPI `default` (ports' protocol, TCP) stands for it when an element leaves it out.
 */
export function mapList<T extends z.ZodType>(element: T, keys: readonly [string, ...string[]], opts: MapListOptions = {}): z.ZodArray<T> {
  return zod.array(element).meta({
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': [...keys],
    ...patchMarkers(opts.patchMerge ?? true, opts.mergeKey ?? keys[0]),
  });
}

/** setList is a list of scalars merged as a set (`+listType=set`, `+patchStrategy=merge`: finalizers, podCIDRs). */
export function setList<T extends z.ZodType>(element: T, opts: SetListOptions = {}): z.ZodArray<T> {
  return zod.array(element).meta({ 'x-kubernetes-list-type': 'set', ...patchMarkers(opts.patchMerge ?? true) });
}

/**
 * atomicList is a list server-side apply replaces whole (`+listType=atomic`). `patchMergeKey` is for a field that
 * also has `+patchStrategy=merge` (Pod status.hostIPs): a strategic merge patch still merges it by that key.
 */
export function atomicList<T extends z.ZodType>(element: T, opts: { patchMergeKey?: string } = {}): z.ZodArray<T> {
  return zod.array(element).meta({ 'x-kubernetes-list-type': 'atomic', ...patchMarkers(opts.patchMergeKey !== undefined, opts.patchMergeKey) });
}

/** atomicMap is a map server-side apply owns and replaces whole (`+mapType=atomic`: nodeSelector, a Service selector). */
export function atomicMap<T extends z.ZodType>(map: T): T {
  return map.meta({ 'x-kubernetes-map-type': 'atomic' }) as T;
}
