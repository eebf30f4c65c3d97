/**
 * @module Building blocks for the wire schemas: Go-like scalars, quantities and int-or-string.
 */
import { z } from 'zod';
import { Quantity, QuantityError } from '../quantity.js';

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
// JavaScript numbers are exact only to 2^53-1, so int64 fields stop there rather than at Go's 2^63-1.
const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** ranged is an integer within [min, max], refused the way Go's JSON decoder refuses an overflowing number. */
const ranged = (bits: 32 | 64, { min, max }: { min: number; max: number }): z.ZodNumber => {
  const error = (iss: { input?: unknown }): string => `cannot unmarshal number ${String(iss.input)} into a field of type int${bits}`;
  return z.number().int({ error }).min(min, { error }).max(max, { error });
};

/** int is a JSON number without a fraction that fits Go's int32, the type of most Kubernetes integer fields. */
export const int = (): z.ZodNumber => ranged(32, INT32);

/** int64 is an integer field that is int64 in Go (generation, grace periods, user and group IDs). */
export const int64 = (): z.ZodNumber => ranged(64, INT64);

/**
 * enumString decodes a string-valued enum as a plain string, because Kubernetes decodes enums as Go strings and
 * rejects unknown values later in validation (422 "Unsupported value"), not while decoding (400).
 */
export const enumString = <T extends string>(): z.ZodType<T> => z.string() as unknown as z.ZodType<T>;

/** requiredEnum is an enumString that decodes to "" when absent, like a Go zero value, so validation can say "Required value". */
export const requiredEnum = <T extends string>(): z.ZodType<T> => enumString<T>().default('' as T) as unknown as z.ZodType<T>;

/** intOrString is intstr.IntOrString (ports, maxSurge). */
export const intOrString = (): z.ZodType<number | string> => z.union([int(), z.string()], { error: 'expected integer or string' });

/** stringMap is map[string]string (labels, annotations, nodeSelector). */
export const stringMap = (): z.ZodRecord<z.ZodString, z.ZodString> => z.record(z.string(), z.string());

/**
 * quantity decodes a resource.Quantity from a string or a bare JSON number (`cpu: 1` in YAML) and stores its
 * canonical form, as the api-server does ("0.5" is stored as "500m").
 */
export const quantity = (): z.ZodType<string> =>
  z.union([z.string(), z.number()], { error: 'expected quantity string or number' }).transform((value, ctx) => {
    try {
      return Quantity.parse(value).toString();
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: value });
      return z.NEVER;
    }
  });

/** quantityMap is ResourceList (requests, limits, capacity). */
export const quantityMap = (): z.ZodType<Record<string, string>> => z.record(z.string(), quantity());

/** stringList is []string. */
export const stringList = (): z.ZodArray<z.ZodString> => z.array(z.string());
