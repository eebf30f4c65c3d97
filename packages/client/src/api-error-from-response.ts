/**
 * @module Turning a non-2xx HTTP answer into an ApiError.
 */
import { ApiError, type Status } from '@skiff/api';

/**
 * apiErrorFromResponse rebuilds the server's error from its body: a metav1.Status becomes the matching ApiError, so
 * `isNotFound(err)` works on the client; any other body (a proxy's HTML, plain text) keeps the HTTP code and the text.
 */
export function apiErrorFromResponse(statusCode: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const status = parsed as Partial<Status>;
    if (status.kind === 'Status' || typeof status.reason === 'string' || typeof status.message === 'string') {
      return ApiError.fromStatus(status, statusCode);
    }
  }
  const message = body.trim() || `the server responded with status ${statusCode}`;
  return ApiError.fromStatus({ code: statusCode, message }, statusCode);
}
