/**
 * @module parseIncludeObject, the `includeObject` query parameter of Table requests.
 */
import { ApiError } from '@skiff/api';

/** IncludeObject says what each Table row carries: nothing, PartialObjectMetadata, or the full object. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

const VALUES: readonly IncludeObject[] = ['None', 'Metadata', 'Object'];

/**
 * parseIncludeObject reads `?includeObject=`: missing or empty means Metadata (kube-apiserver's default); anything
 * other than None, Metadata or Object is a 400 BadRequest. For a repeated parameter the first value counts, as with
 * Go's url.Values.Get.
 */
export function parseIncludeObject(q: unknown): IncludeObject {
  const value = Array.isArray(q) ? (q[0] as unknown) : q;
  if (value === undefined || value === null || value === '') return 'Metadata';
  if (typeof value === 'string' && (VALUES as readonly string[]).includes(value)) return value as IncludeObject;
  throw new ApiError({
    reason: 'BadRequest',
    message: `includeObject: Unsupported value: ${JSON.stringify(typeof value === 'string' ? value : String(value))}: supported values: "None", "Metadata", "Object"`,
  });
}
