import { FakeClock } from '@skiff/controller-kit';
import { describe, expect, it } from 'vitest';
import { BackendPicker } from './backend-picker.js';

const backends = [
  { ip: '10.0.0.3', port: 8080 },
  { ip: '10.0.0.1', port: 8080 },
  { ip: '10.0.0.2', port: 8080 },
];
const rr = { clientIP: false, timeoutSeconds: 0 };

describe('BackendPicker', () => {
  it('spreads connections round-robin over the ready backends', () => {
    const p = new BackendPicker(new FakeClock(0));
    const ips = Array.from({ length: 6 }, () => p.pick('default/web:http', backends, '10.0.0.9', rr)?.ip);
    expect(ips).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(p.pick('default/web:http', [], '10.0.0.9', rr)).toBeUndefined();
  });

  it('keeps a client on its backend with ClientIP affinity until the timeout passes idle, and moves it when the backend leaves', () => {
    const clock = new FakeClock(0);
    const p = new BackendPicker(clock);
    const sticky = { clientIP: true, timeoutSeconds: 10 };
    const first = p.pick('k', backends, '10.0.0.9', sticky);
    clock.advance(9_000);
    expect(p.pick('k', backends, '10.0.0.9', sticky)).toEqual(first);
    expect(p.pick('k', backends, '10.0.0.8', sticky)).not.toEqual(first);
    clock.advance(10_000);
    expect(p.pick('k', backends, '10.0.0.9', sticky)).not.toEqual(first);
    const rest = backends.filter((b) => b.ip !== first?.ip);
    expect(rest.map((b) => b.ip)).toContain(p.pick('k', rest, '10.0.0.9', sticky)?.ip);
  });
});
