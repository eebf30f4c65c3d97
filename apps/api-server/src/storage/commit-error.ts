/**
 * @module The Status a client gets when its write could not be committed.
 */
import { ApiError } from '@skiff/api';
import { errorCode, isDiskFull } from './error-code.js';

/**
 * commitError turns a failed commit into the ApiError every request of the batch is answered with. A full disk is
 * 507 Insufficient Storage (the write was rolled back and may be retried once space is freed; reads go on); other
 * failures are 500 with SQLite's reason. kube-apiserver answers etcd's "database space exceeded" with a plain 500;
 * 507 says more and clients treat it as any other server error. The SQLite error stays the cause.
 */
export function commitError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const code = errorCode(err) ?? '';
  const why = `${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`;
  if (isDiskFull(code)) {
    return new ApiError({
      reason: 'InternalError',
      code: 507,
      message: `Insufficient storage: the write was not committed because the api-server's disk is full (${why}); it succeeds again once space is freed`,
      cause: err,
    });
  }
  return new ApiError({ reason: 'InternalError', message: `Internal error occurred: the write was not committed: ${why}`, cause: err });
}
