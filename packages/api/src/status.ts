/**
 * @module metav1.Status, the closed set of StatusReasons with their HTTP codes, and ApiError.
 */

/** StatusReason values as in apimachinery meta/v1 types.go; the comment gives each one's HTTP code. */
export const STATUS_CODES = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;

export type StatusReason = keyof typeof STATUS_CODES;

/** CauseType values used in Status details (metav1.CauseType). */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTypeInvalid'
  | 'FieldManagerConflict'
  | 'UnexpectedServerResponse'
  | 'FieldValueUnknown'
  | 'FieldValueDuplicateKey'
  | 'ResourceVersionTooLarge';

export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Status is metav1.Status, the body of every error and of some successful deletes. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

export interface ApiErrorInit {
  reason: StatusReason;
  message: string;
  details?: StatusDetails;
  /** HTTP code; defaults to the reason's code. */
  code?: number;
  cause?: unknown;
  /** ListMeta carried by the Status: an expired continue token's replacement (see errors.continueExpired). */
  metadata?: { continue?: string };
}

/**
 * ApiError is the one error type of Skiff: a Status with a closed reason set. The server turns it into a
 * response; the client rebuilds it from a response, so `isNotFound(err)` works on both sides.
 */
export class ApiError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;
  readonly metadata: { continue?: string } | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.reason = init.reason;
    this.code = init.code ?? STATUS_CODES[init.reason];
    this.details = init.details;
    this.metadata = init.metadata;
  }

  /** toStatus renders the error as the metav1.Status body sent on the wire. */
  toStatus(): Status {
    // Keys in metav1.Status's field order (details before code), so the JSON matches kube-apiserver's byte for byte.
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.metadata ? { ...this.metadata } : {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: orderedDetails(this.details) } : {}),
      code: this.code,
    };
  }

  /** fromStatus rebuilds an ApiError from a Status body (client side). */
  static fromStatus(status: Partial<Status>, httpCode?: number): ApiError {
    const code = status.code ?? httpCode ?? 500;
    const reason = (status.reason && status.reason in STATUS_CODES ? status.reason : reasonForCode(code)) as StatusReason;
    const init: ApiErrorInit = { reason, message: status.message ?? `the server responded with status ${code}`, code };
    if (status.details) init.details = status.details;
    return new ApiError(init);
  }
}

/** orderedDetails puts StatusDetails' keys in metav1.StatusDetails' field order (name, group, kind, uid, causes, retryAfterSeconds). */
export function orderedDetails(d: StatusDetails): StatusDetails {
  const { name, group, kind, uid, causes, retryAfterSeconds, ...rest } = d;
  return {
    ...(name !== undefined ? { name } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(causes !== undefined ? { causes } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...rest,
  };
}

function reasonForCode(code: number): StatusReason {
  for (const [reason, c] of Object.entries(STATUS_CODES)) if (c === code) return reason as StatusReason;
  return code >= 500 ? 'InternalError' : 'BadRequest';
}

function reasonOf(err: unknown): StatusReason | undefined {
  return err instanceof ApiError ? err.reason : undefined;
}

export const isNotFound = (err: unknown): boolean => reasonOf(err) === 'NotFound';
export const isConflict = (err: unknown): boolean => reasonOf(err) === 'Conflict';
export const isAlreadyExists = (err: unknown): boolean => reasonOf(err) === 'AlreadyExists';
/** isGone is true for 410 answers: a watch or list from a compacted resourceVersion. */
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.code === 410;
export const isInvalid = (err: unknown): boolean => reasonOf(err) === 'Invalid';
export const isBadRequest = (err: unknown): boolean => reasonOf(err) === 'BadRequest';
export const isTooManyRequests = (err: unknown): boolean => reasonOf(err) === 'TooManyRequests';

/** groupResource renders "pods" or "deployments.apps" as kube-apiserver's messages do. */
export function groupResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** Constructors for the common errors, with kube-apiserver's message templates. */
export const errors = {
  notFound(resource: string, group: string, name: string): ApiError {
    const details: StatusDetails = { name, kind: resource };
    if (group) details.group = group;
    return new ApiError({ reason: 'NotFound', message: `${groupResource(resource, group)} "${name}" not found`, details });
  },
  alreadyExists(resource: string, group: string, name: string): ApiError {
    const details: StatusDetails = { name, kind: resource };
    if (group) details.group = group;
    return new ApiError({
      reason: 'AlreadyExists',
      message: `${groupResource(resource, group)} "${name}" already exists`,
      details,
    });
  },
  conflict(resource: string, group: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    const details: StatusDetails = { name, kind: resource };
    if (group) details.group = group;
    return new ApiError({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ${groupResource(resource, group)} "${name}": ${why}`,
      details,
    });
  },
  badRequest(message: string): ApiError {
    return new ApiError({ reason: 'BadRequest', message });
  },
  expired(requested: string | number, oldest: string | number): ApiError {
    return new ApiError({ reason: 'Expired', message: `too old resource version: ${requested} (${oldest})`, code: 410 });
  },
  /**
   * tooLargeResourceVersion is kube's NewTooLargeResourceVersionError: the store did not reach a requested
   * resourceVersion within the wait (blockTimeout); the client may retry after a second.
   */
  tooLargeResourceVersion(requested: number, current: number): ApiError {
    return new ApiError({
      reason: 'Timeout',
      message: `Timeout: Too large resource version: ${requested}, current: ${current}`,
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
    });
  },
  /** listExpired is kube's 410 for a list asked for exactly at a compacted resourceVersion (limit with resourceVersion). */
  listExpired(): ApiError {
    return new ApiError({ reason: 'Expired', message: 'The resourceVersion for the provided list is too old.', code: 410 });
  },
  /**
   * continueExpired is kube's answer to a continue token whose revision was compacted: 410 Expired, carrying a
   * token (`next`) that continues from the same key at the latest revision, at the price of consistency.
   */
  continueExpired(next?: string): ApiError {
    const base = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter';
    if (!next) return new ApiError({ reason: 'Expired', message: `${base}.`, code: 410 });
    return new ApiError({
      reason: 'Expired',
      code: 410,
      message: `${base}, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.`,
      metadata: { continue: next },
    });
  },
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? '')));
    const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    const details: StatusDetails = { name, kind, causes };
    if (group) details.group = group;
    return new ApiError({ reason: 'Invalid', message: `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${list}`, details });
  },
  methodNotAllowed(method: string, path: string): ApiError {
    return new ApiError({ reason: 'MethodNotAllowed', message: `the server does not allow this method on the requested resource (${method} ${path})` });
  },
  unsupportedMediaType(contentType: string, supported: string[]): ApiError {
    return new ApiError({
      reason: 'UnsupportedMediaType',
      message: `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')} (got "${contentType}")`,
    });
  },
  internal(message: string, cause?: unknown): ApiError {
    return new ApiError({ reason: 'InternalError', message: `Internal error occurred: ${message}`, cause });
  },
};
