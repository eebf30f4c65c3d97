/**
 * @module requestUrl: a request's target parsed once, for every filter and handler that reads it.
 */
import type { IncomingMessage } from 'node:http';

const parsed = new WeakMap<IncomingMessage, { raw: string; url: URL }>();

const BASE = 'http://localhost';

/**
 * requestUrl returns req.url parsed against http://localhost. The authorization filter and the resource handler
 * both read it: parsed once, again only if the target was rewritten since (it is kept with the text it came from).
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? '/';
  const known = parsed.get(req);
  if (known && known.raw === raw) return known.url;
  const url = parseTarget(raw);
  parsed.set(req, { raw, url });
  return url;
}

/**
 * parseTarget is new URL(raw, BASE). A path whose first segment starts with a letter or digit (what every API path
 * looks like) resolves to BASE followed by it, which parses in one go rather than the base and the target apart;
 * anything else ("//host", "/\t/", "*") takes the general resolution.
 */
function parseTarget(raw: string): URL {
  return raw === '/' || (raw.charCodeAt(0) === 0x2f && isAlphanumeric(raw.charCodeAt(1))) ? new URL(BASE + raw) : new URL(raw, BASE);
}

function isAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
