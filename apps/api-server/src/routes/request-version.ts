/**
 * @module requestVersion: how a resource request is read and answered in the version its path names. A storage
 * version passes through; another served version (autoscaling/v1 HorizontalPodAutoscaler) has its bodies decoded
 * against its own schema and converted to the storage version, and every object answered (single, list items,
 * Table rows, watch events) converted back, as kube-apiserver's codecs do. Nothing here names a kind.
 */
import { servedVersionOf, type DecodeOptions, type KubeObject, type ResourceInfo, type ServedVersion } from '@skiff/api';

export interface RequestVersion {
  /** The descriptor the registry, the store and the watch hub work in: the storage version's. */
  storage: ResourceInfo;
  /** The conversion, when the path names another version than the storage one. */
  conversion?: ServedVersion;
  /** decode turns a parsed body into the storage version, with the served version's decode warnings. */
  decode(body: unknown, opts: DecodeOptions): { object: unknown; warnings: string[] };
  /** answer converts a response body: an object or list of the kind, or a Table's embedded objects; others pass. */
  answer(body: unknown): unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** requestVersion resolves the version of a resource path (`info` is the descriptor the path named). */
export function requestVersion(info: ResourceInfo): RequestVersion {
  const conversion = servedVersionOf(info);
  if (!conversion) return { storage: info, decode: (object) => ({ object, warnings: [] }), answer: (body) => body };
  const storage = conversion.storage.info;
  const isStored = (v: unknown): v is KubeObject => isObject(v) && v.apiVersion === storage.apiVersion && v.kind === storage.kind;
  const answer = (body: unknown): unknown => {
    if (isStored(body)) return conversion.fromStorage(body);
    if (!isObject(body)) return body;
    if (body.kind === storage.listKind && Array.isArray(body.items)) return { ...body, apiVersion: info.apiVersion, items: body.items.map(answer) };
    // Table rows carry the whole object only with includeObject=Object; PartialObjectMetadata rows pass as they are.
    if (body.kind === 'Table' && Array.isArray(body.rows)) {
      return { ...body, rows: (body.rows as Record<string, unknown>[]).map((row) => (isStored(row.object) ? { ...row, object: conversion.fromStorage(row.object) } : row)) };
    }
    return body;
  };
  return { storage, conversion, decode: (body, opts) => conversion.decode(body, opts), answer };
}
