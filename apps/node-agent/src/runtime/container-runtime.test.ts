import { describe, expect, expectTypeOf, it } from 'vitest';
import { RUNTIME_ERROR_REASONS, RuntimeError, type RuntimeErrorReason } from './container-runtime.js';

describe('RuntimeError', () => {
  it('carries a reason from the closed set, and the type rejects any other', () => {
    expectTypeOf<RuntimeError['reason']>().toEqualTypeOf<RuntimeErrorReason>();
    // @ts-expect-error an unknown reason does not typecheck (npm run typecheck fails if this line compiles)
    const bogus = new RuntimeError('ImageInspectError', 'not a reason this runtime throws');
    expect(RUNTIME_ERROR_REASONS).not.toContain(bogus.reason);
    for (const reason of RUNTIME_ERROR_REASONS) expect(new RuntimeError(reason, 'm').reason).toBe(reason);
  });
});
