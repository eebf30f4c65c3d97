/**
 * @module upstreamError: a backend's (node agent's) error answer turned into a Status, as kube-apiserver turns a
 * kubelet's (GenericHttpResponseChecker).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, type StatusReason } from '@skiff/api';

/** kube-apiserver reads at most this much of a backend's error body. */
export const MAX_UPSTREAM_ERROR_BYTES = 50_000;

/** What NewGenericServerResponse says for codes whose backend text it does not pass on. */
const GENERIC: Record<number, [StatusReason, string]> = {
  404: ['NotFound', 'the server could not find the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/**
 * upstreamError maps a backend's non-2xx answer to an ApiError with the backend's code: its text becomes the message
 * of a 400 or 500 (and of a 403, as kube keeps it); other codes get kube's generic message naming the subresource
 * (`the server could not find the requested resource ( pods/log web)`), with the backend's text kept as a cause.
 */
export function upstreamError(code: number, body: string, resource: string, name: string): ApiError {
  const text = body.trim();
  if (code === 400) return new ApiError({ reason: 'BadRequest', message: text || 'the server rejected our request for an unknown reason' });
  if (code === 500) return new ApiError({ reason: 'InternalError', message: `Internal error occurred: ${text}` });
  if (code === 403) return new ApiError({ reason: 'Forbidden', message: text });
  const [reason, generic] = GENERIC[code] ?? (code >= 500 ? ['InternalError', `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding`] : ['BadRequest', `the server responded with the status code ${code} but did not return more information`]);
  const details = { name, kind: resource, ...(text ? { causes: [{ reason: 'UnexpectedServerResponse', message: text }] } : {}) };
  return new ApiError({ reason, code, message: `${generic} ( ${resource} ${name})`, details });
}

/** readBounded reads a response body up to MAX_UPSTREAM_ERROR_BYTES and drops the rest. */
export function readBounded(up: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    up.on('data', (chunk: Buffer) => {
      if (size >= MAX_UPSTREAM_ERROR_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_UPSTREAM_ERROR_BYTES - size));
      size += chunk.length;
    });
    up.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    up.on('error', reject);
  });
}
