/**
 * @module parseListenAddress: the HOST:PORT form of every component's --listen flag.
 */

/**
 * parseListenAddress splits HOST:PORT (IPv6 hosts in brackets; an empty host means all interfaces) and throws
 * for anything else, so every component refuses a bad --listen the same way.
 */
export function parseListenAddress(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (colon < 0 || !/^\d+$/.test(portText) || port > 65535) {
    // A bare port is refused rather than guessed at: components used to disagree on which host it meant.
    const hint = /^\d+$/.test(text) ? ` (":${text}" listens on every interface)` : '';
    throw new Error(`--listen must be HOST:PORT, got "${text}"${hint}`);
  }
  return { host: text.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}
