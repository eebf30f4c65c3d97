/**
 * @module sendOpenapi: answers an OpenAPI document request with kube-openapi's caching rules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface OpenapiBody {
  body: string | Buffer;
  contentType: string;
  /** The content hash; the ETag is it quoted. */
  hash: string;
}

export interface OpenapiCaching {
  /** The time now (ms), for Expires. */
  nowMs: number;
  /** The `?hash=` the client asked for (v3 group/version documents only). */
  requestedHash?: string | undefined;
  /** Where the current document is, for a request that named an older hash. */
  currentUrl?: string;
}

/**
 * sendOpenapi writes the document with its ETag, answering 304 to a matching If-None-Match. A v3 URL carrying the
 * current `?hash=` never changes, so it is cacheable for a year (Cache-Control public, immutable); one carrying an
 * old hash is redirected (301) to the current URL, as kube-openapi's handler3 does.
 */
export function sendOpenapi(req: IncomingMessage, res: ServerResponse, doc: OpenapiBody, caching: OpenapiCaching): void {
  const etag = `"${doc.hash}"`;
  if (caching.requestedHash !== undefined && caching.currentUrl !== undefined) {
    if (caching.requestedHash !== doc.hash) {
      res.writeHead(301, { Location: caching.currentUrl, 'Content-Length': 0 });
      res.end();
      return;
    }
    res.setHeader('Cache-Control', 'public, immutable');
    res.setHeader('Expires', new Date(caching.nowMs + 365 * 24 * 3600 * 1000).toUTCString());
  }
  // Accept picks JSON or protobuf at the same URL: caches must key on it.
  res.setHeader('Vary', 'Accept');
  res.setHeader('ETag', etag);
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', doc.contentType);
  res.setHeader('Content-Length', Buffer.byteLength(doc.body));
  res.statusCode = 200;
  res.end(doc.body);
}
