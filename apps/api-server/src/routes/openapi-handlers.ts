/**
 * @module The OpenAPI routes: /openapi/v2 (JSON or gnostic protobuf, by Accept), /openapi/v3 and its
 * group/version documents, and the (empty) CRD list kubectl's field-validation check reads beside them.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '@skiff/api';
import { encodeOpenapiV2Protobuf, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from '../discovery/openapi-v2-protobuf.js';
import { openapiV2 } from '../discovery/openapi-v2.js';
import { openapiV3Document, openapiV3Root, serializeDocument } from '../discovery/openapi-v3-root.js';
import { sendError, sendJson } from '../http/send.js';
import { sendOpenapi, type OpenapiBody } from '../http/send-openapi.js';

let v2: Record<'json' | 'protobuf', OpenapiBody> | undefined;

/** v2Bodies encodes the v2 document both ways once; each encoding has its own hash, so a cache never mixes them. */
function v2Bodies(): Record<'json' | 'protobuf', OpenapiBody> {
  if (!v2) {
    const doc = openapiV2();
    const json = serializeDocument(doc);
    const protobuf = encodeOpenapiV2Protobuf(doc);
    v2 = {
      json: { body: json.text, contentType: 'application/json', hash: json.hash },
      protobuf: { body: protobuf, contentType: OPENAPI_V2_PROTOBUF_CONTENT_TYPE, hash: createHash('sha512').update(protobuf).digest('hex').toUpperCase() },
    };
  }
  return v2;
}

/** The media types /openapi/v2 serves, as kube-openapi lists them (the dotted protobuf name is the older spelling). */
const V2_TYPES: readonly [string, 'json' | 'protobuf'][] = [
  ['application/json', 'json'],
  [OPENAPI_V2_PROTOBUF, 'protobuf'],
  [OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'protobuf'],
];

/** negotiateV2 picks the encoding for an Accept header: clauses by q (ties keep order), wildcards allowed. */
export function negotiateV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const clauses = (accept || '*/*')
    .split(',')
    .map((c, i) => {
      const [type = '', ...params] = c.split(';').map((p) => p.trim());
      const q = params.find((p) => p.startsWith('q='));
      return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((c) => c.type && c.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of clauses) {
    const [main, sub] = type.split('/');
    for (const [offered, encoding] of V2_TYPES) {
      const [oMain, oSub] = offered.split('/');
      if ((main === '*' || main === oMain) && (sub === '*' || sub === oSub)) return encoding;
    }
  }
  return undefined;
}

/** openapiV2Handler serves GET /openapi/v2; an Accept it cannot meet is 406, as kube-apiserver answers. */
export function openapiV2Handler(nowMs: () => number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const encoding = negotiateV2(req.headers.accept);
    if (!encoding) {
      sendError(res, new ApiError({ reason: 'NotAcceptable', message: `only the following media types are accepted: ${V2_TYPES.map(([t]) => t).join(', ')}` }));
      return;
    }
    sendOpenapi(req, res, v2Bodies()[encoding], { nowMs: nowMs() });
  };
}

/** openapiV3RootHandler serves GET /openapi/v3. */
export function openapiV3RootHandler(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, openapiV3Root());
}

/** openapiV3Handler serves GET /openapi/v3/<group/version>[?hash=...]. */
export function openapiV3Handler(nowMs: () => number) {
  return (req: IncomingMessage, res: ServerResponse, key: string, url: URL): void => {
    const name = key.replace(/^\/+|\/+$/g, '');
    const doc = openapiV3Document(name);
    if (!doc) {
      sendError(res, errors.notFound('', '', url.pathname));
      return;
    }
    const requestedHash = url.searchParams.get('hash') ?? undefined;
    sendOpenapi(req, res, { body: doc.text, contentType: 'application/json', hash: doc.hash }, { requestedHash, currentUrl: `/openapi/v3/${name}?hash=${doc.hash}`, nowMs: nowMs() });
  };
}

/**
 * crdListHandler answers GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions with the truth: Skiff serves
 * no custom resources. kubectl's field-validation check lists CRDs for a kind it finds no PATCH path for (PodList,
 * NamespaceList in a manifest); a 404 there fails `create -f` with "failed to check CRD", where an empty list lets
 * kubectl validate the List against the published schemas and create its items.
 */
export function crdListHandler(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1', metadata: {}, items: [] });
}
