import { describe, expect, it, vi } from 'vitest';
import { lazySchema } from './lazy-schema.js';

describe('lazySchema', () => {
  it('builds on the first call and returns the same instance after', () => {
    const build = vi.fn(() => ({ built: true }));
    const schema = lazySchema(build);
    expect(build).not.toHaveBeenCalled();
    const first = schema();
    expect(schema()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
  });
});
