/**
 * @module parseListenAddress: the HOST:PORT form of every component's --listen flag.
 */

/**
 * parseListenAddress splits HOST:PORT (IPv6 hosts in brackets; an empty host means all interfaces) and throws
 * for anything else, so every component refuses a bad --listen the same way.
 */
export function parseListenAddress(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen must be HOST:PORT, got "${text}"`);
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}
