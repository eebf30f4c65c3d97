import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with the name and child bindings', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ name: 'scheduler', level: 'debug', destination }).child({ component: 'queue' });
    log.debug({ key: 'default/web' }, 'synced');
    const record = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(record).toMatchObject({ name: 'scheduler', component: 'queue', key: 'default/web', msg: 'synced', level: 20 });
  });

  it('silentLogger accepts calls and writes nothing', () => {
    expect(silentLogger.isLevelEnabled('error')).toBe(false);
    silentLogger.child({ a: 1 }).error({ err: new Error('x') }, 'ignored');
  });
});
