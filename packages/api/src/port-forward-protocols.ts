/**
 * @module portForwardProtocol: which of the port-forward wire protocols a client's upgrade request asks for, shared
 * by the api-server (which refuses an offer it cannot serve before dialing a node) and the node agent (which speaks
 * them).
 */

/** SPDY_PORT_FORWARD is the httpstream protocol of port-forward (X-Stream-Protocol-Version, kubelet's `portforward.k8s.io`). */
export const SPDY_PORT_FORWARD = 'portforward.k8s.io';
/** WS_SPDY_TUNNEL is kubectl 1.31+'s WebSocket subprotocol: SPDY/3.1 frames carried in binary messages (KEP-4006). */
export const WS_SPDY_TUNNEL = `SPDY/3.1+${SPDY_PORT_FORWARD}`;
/** WS_CHANNEL_V4 is the channel form the Python client uses: channel 2i is port i's data, 2i+1 its errors. */
export const WS_CHANNEL_V4 = 'v4.channel.k8s.io';

/** PortForwardProtocol is the negotiated protocol, or why none could be. */
export type PortForwardProtocol =
  | { transport: 'websocket'; subprotocol: typeof WS_SPDY_TUNNEL | typeof WS_CHANNEL_V4 }
  | { transport: 'spdy' }
  | { transport: 'none'; message: string };

/** SUPPORTED names what Skiff speaks, for the error a client with nothing in common gets. */
const SUPPORTED = `WebSocket subprotocols ${WS_SPDY_TUNNEL}, ${WS_CHANNEL_V4}; or Upgrade: SPDY/3.1 with X-Stream-Protocol-Version: ${SPDY_PORT_FORWARD}`;

const list = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

/**
 * portForwardProtocol picks the protocol from an upgrade request's headers (names lower-cased, as node:http gives
 * them). The tunnel wins over the channel form when both are offered, as kube-apiserver prefers it.
 */
export function portForwardProtocol(headers: Record<string, string | string[] | undefined>): PortForwardProtocol {
  const upgrade = list(headers['upgrade']).map((u) => u.toLowerCase());
  if (upgrade.includes('websocket')) {
    const offered = list(headers['sec-websocket-protocol']);
    if (offered.includes(WS_SPDY_TUNNEL)) return { transport: 'websocket', subprotocol: WS_SPDY_TUNNEL };
    if (offered.includes(WS_CHANNEL_V4)) return { transport: 'websocket', subprotocol: WS_CHANNEL_V4 };
    return { transport: 'none', message: `port-forward: none of the offered WebSocket subprotocols [${offered.join(', ')}] is supported; Skiff speaks ${SUPPORTED}` };
  }
  if (upgrade.includes('spdy/3.1')) {
    const offered = list(headers['x-stream-protocol-version']);
    if (offered.includes(SPDY_PORT_FORWARD)) return { transport: 'spdy' };
    return { transport: 'none', message: `port-forward: none of the offered stream protocols [${offered.join(', ')}] is supported; Skiff speaks ${SUPPORTED}` };
  }
  return { transport: 'none', message: `port-forward: upgrade to [${upgrade.join(', ')}] is not supported; Skiff speaks ${SUPPORTED}` };
}
