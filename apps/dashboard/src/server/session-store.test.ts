import { describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), setTimeout: () => 0 as never, clearTimeout: () => undefined };
}

describe('SessionStore', () => {
  it('hands out unguessable ids that stand for the token until they expire or are deleted', () => {
    const clock = fakeClock();
    const store = new SessionStore(clock, 60_000);
    const a = store.create('token-a', 'alice');
    const b = store.create('token-b', 'bob');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(store.get(a)).toEqual({ token: 'token-a', user: 'alice' });
    expect(store.get('guess')).toBeUndefined();
    store.delete(b);
    expect(store.get(b)).toBeUndefined();
    clock.advance(60_000);
    expect(store.get(a)).toBeUndefined();
  });

  it('drops expired sessions when new ones start, so abandoned ones do not pile up', () => {
    const clock = fakeClock();
    const store = new SessionStore(clock, 1000);
    for (let i = 0; i < 5; i++) store.create(`t${i}`, 'u');
    clock.advance(1000);
    store.create('fresh', 'u');
    expect(store.size).toBe(1);
  });
});
