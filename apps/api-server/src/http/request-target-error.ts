/**
 * @module requestTargetError: what is wrong with a request's target before any route looks at it.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, errors } from '@skiff/api';
import { decodePath } from './api-path.js';

/**
 * requestTargetError returns the 400 that Go's net/http (and so kube-apiserver) gives a request whose path has a
 * bad percent-escape or that is HTTP/1.1 without a Host header, or undefined when the target is fine. Checking once
 * here means no route can fail on it later with a 500.
 */
export function requestTargetError(req: IncomingMessage): ApiError | undefined {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined) {
    return errors.badRequest('missing required Host header');
  }
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  try {
    decodePath(path);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  return undefined;
}
