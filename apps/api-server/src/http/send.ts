/**
 * @module Writing JSON, Status and error responses.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { stringify as stringifyYaml } from 'yaml';
import { ApiError, errors, orderedDetails, type Status } from '@skiff/api';
import { goStringify } from '../storage/go-json.js';
import { wantsYaml } from '../printers/wants-table.js';

/**
 * sendJson writes a JSON body; `body` may be pre-serialized. Like kube-apiserver's encoder (Go's json.Encoder), it
 * escapes & < > U+2028 U+2029 and ends the body with a newline, so clients that compare bodies byte for byte see the
 * same text.
 */
export function sendJson(res: ServerResponse, code: number, body: unknown, warnings?: string[]): void {
  let text = (typeof body === 'string' ? body : goStringify(body)) + '\n';
  let type = 'application/json';
  if (wantsYaml(res.req?.headers.accept)) {
    // kube answers YAML with its map keys sorted (sigs.k8s.io/yaml goes through a Go map).
    text = stringifyYaml(JSON.parse(text), { sortMapEntries: true });
    type = 'application/yaml';
  }
  res.statusCode = code;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (warnings?.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  res.end(text);
}

/** toApiError turns anything thrown into an ApiError; unknown errors become 500 InternalError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return errors.internal(err instanceof Error ? err.message : String(err), err);
}

/** sendError writes the error as a metav1.Status with its HTTP code. */
export function sendError(res: ServerResponse, err: unknown): ApiError {
  const apiErr = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return apiErr;
  }
  // As kube's ErrorNegotiated: a Status that suggests a retry delay says so in Retry-After too, and no other does;
  // a 429 is not one by itself (a PodDisruptionBudget refusal must reach kubectl drain, not be retried by client-go).
  const retryAfter = apiErr.details?.retryAfterSeconds ?? 0;
  if (retryAfter > 0) res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, apiErr.code, apiErr.toStatus());
  return apiErr;
}

/** endSocketWithStatus answers on a raw socket (a refused upgrade, a request the parser refused) and closes it. */
export function endSocketWithStatus(socket: Duplex, err: ApiError): void {
  const body = goStringify(err.toStatus()) + '\n';
  socket.end(
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** successStatus is the Status kube-apiserver answers for a completed delete or a binding. */
export function successStatus(code: number, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details: orderedDetails(details) } : {}), code };
}
