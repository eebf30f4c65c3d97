import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from './harness.js';

/** logLines collects what a pino logger writes, one parsed JSON object per line. */
function logLines(): { lines: Array<Record<string, unknown>>; logger: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
}

describe('request logging', () => {
  let s: RunningServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('logs a 5xx the server answers on purpose (504 too large resourceVersion) as one line at info, without a stack', async () => {
    const { lines, logger } = logLines();
    s = await startServer({ logger, blockTimeoutMs: 20 });
    const r = await api(s.url, 'GET', '/api/v1/namespaces/default/pods?resourceVersion=999999');
    expect(r.status).toBe(504);
    const refused = lines.filter((l) => l.msg === 'request refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 30, code: 504, reason: 'Timeout', path: '/api/v1/namespaces/default/pods' });
    expect(refused[0]!.err).toBeUndefined();
    expect(lines.filter((l) => l.msg === 'request failed')).toEqual([]);
  });
});
