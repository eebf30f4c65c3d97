/**
 * @module channelProtocol: the WebSocket channel protocols of exec and attach (KEP-4006, apimachinery's
 * wsstream and remotecommand): every binary message starts with its channel byte.
 */

/** Channel numbers, the same in every version. */
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/**
 * The subprotocols served, most preferred first. v5 adds the close signal (`[255, channel]`: the client has no
 * more data for that channel, e.g. stdin EOF); v4 reports the end on the error channel as a JSON Status with the
 * exit code. Older versions (plain-text errors, no exit code) are not served.
 */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** selectChannelProtocol picks the first served protocol in our order of preference that the client offers. */
export function selectChannelProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set(offered);
  return CHANNEL_PROTOCOLS.find((p) => set.has(p));
}

/** offeredProtocols splits a Sec-WebSocket-Protocol header (a list, possibly repeated). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const all = Array.isArray(header) ? header.join(',') : (header ?? '');
  return all
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** frame prefixes data with its channel byte. */
export function frame(channel: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/**
 * endStatus is what the error channel carries when the session ends, as kubelet's remotecommand server writes it:
 * Success, or NonZeroExitCode with the code as an ExitCode cause (kubectl exits with it), or the failure's message.
 */
export function endStatus(result: { exitCode?: number; error?: string }): Record<string, unknown> {
  if (result.error !== undefined) {
    return { metadata: {}, status: 'Failure', message: result.error, reason: 'InternalError', code: 500 };
  }
  if (result.exitCode === undefined || result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

/** parseResize reads a resize message (`{"Width":80,"Height":24}`); anything else is undefined. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(v.Width);
    const height = Number(v.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 65535 || height > 65535) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}
