/**
 * @module requestUrl: a request's target parsed once, for every filter and handler that reads it.
 */
import type { IncomingMessage } from 'node:http';

const parsed = new WeakMap<IncomingMessage, { raw: string; url: URL }>();

/**
 * requestUrl returns req.url parsed against http://localhost. The authorization filter and the resource handler
 * both read it: parsed once, again only if the target was rewritten since (it is kept with the text it came from).
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? '/';
  const known = parsed.get(req);
  if (known && known.raw === raw) return known.url;
  const url = new URL(raw, 'http://localhost');
  parsed.set(req, { raw, url });
  return url;
}
