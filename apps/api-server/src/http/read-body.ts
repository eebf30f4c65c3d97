/**
 * @module Reading and decoding request bodies by Content-Type, with kube-apiserver's 3 MiB limit.
 */
import type { IncomingMessage } from 'node:http';
import yaml from 'js-yaml';
import { ApiError, errors } from '@skiff/api';
import { decodeProtobufBody } from './decode-protobuf-body.js';

/** MAX_BODY_BYTES is kube-apiserver's request body limit (3 MiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** readRawBody collects the request body, refusing more than `limit` bytes with 413 RequestEntityTooLarge. */
export async function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError({ reason: 'RequestEntityTooLarge', message: `the request body is larger than the limit of ${limit} bytes` });
}

/** mediaType returns the lower-cased media type of a Content-Type header, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const OBJECT_TYPES = ['application/json', 'application/yaml'];

/**
 * decodeObjectBody parses a create/update body (JSON, YAML, or protobuf for a few kinds). Bad syntax is a 400; other media types a 415.
 */
export function decodeObjectBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (raw.length === 0) throw errors.badRequest('the request body is empty: expected a JSON or YAML object');
  if (type === 'application/json' || type === '') return parseJson(raw);
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return parseYaml(raw);
  // kubectl's typed clients (create namespace/deployment, drain's DELETE) send protobuf regardless of discovery.
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufBody(raw);
  throw errors.unsupportedMediaType(type, OBJECT_TYPES);
}

/** parseJson parses JSON, turning syntax errors into 400 BadRequest with the parser's message. */
export function parseJson(raw: Buffer | string): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** parseYaml parses one YAML document (JSON is valid YAML, which is what server-side apply clients send). */
export function parseYaml(raw: Buffer | string): unknown {
  try {
    return yaml.load(typeof raw === 'string' ? raw : raw.toString('utf8'), { schema: yaml.JSON_SCHEMA });
  } catch (e) {
    throw errors.badRequest(`the request body is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}
