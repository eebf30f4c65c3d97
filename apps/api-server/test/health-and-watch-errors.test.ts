import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MemoryStore } from '../src/storage/memory-store.js';
import type { ChangeEvent } from '../src/storage/storage.js';
import { startServer } from './harness.js';
import { httpWatch } from './watch-stream.js';

/** IoFailingStore is a real MemoryStore whose change history cannot be read, as a failing disk would answer. */
class IoFailingStore extends MemoryStore {
  override changesSince(): ChangeEvent[] {
    throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
  }
}

describe('api-server health checks', () => {
  it('fails /healthz and /readyz on the sqlite check once the database cannot be read', async () => {
    const s = await startServer({ storage: 'sqlite' });
    try {
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      s.store.close();
      for (const path of ['/healthz', '/livez', '/readyz']) {
        const r = await fetch(`${s.url}${path}`);
        expect(r.status).toBe(500);
        expect(await r.text()).toContain('[-]sqlite failed');
      }
    } finally {
      await s.close();
    }
  });
});

describe('watch-hub storage errors', () => {
  it('ends the watch with the InternalError it is and logs it, instead of a silent 410 Expired', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const s = await startServer({ store: new IoFailingStore(), logger });
    try {
      const w = await httpWatch(`${s.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=1`);
      await w.ended;
      expect(w.events).toHaveLength(1);
      expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'InternalError', code: 500 } });
      expect(w.events[0]!.object.message).toContain('disk I/O error');
      expect(lines.find((l) => l.msg === 'watch cannot read the change history')).toMatchObject({ level: 50, resourceVersion: 1 });
    } finally {
      await s.close();
    }
  });
});
