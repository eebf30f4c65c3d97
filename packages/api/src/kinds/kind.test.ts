import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import type { KubeObject } from '../meta.js';
import { defineKind } from './kind.js';

describe('defineKind', () => {
  it('builds the schema on the first read of kind.schema, once, and keeps it as a plain property', () => {
    const schema = { safeParse: () => ({ success: true }) } as unknown as z.ZodType<KubeObject>;
    const build = vi.fn(() => schema);
    const kind = defineKind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true, schema: build });
    expect(build).not.toHaveBeenCalled();
    expect(kind.info.plural).toBe('widgets');
    expect(kind.schema).toBe(schema);
    expect(kind.schema).toBe(schema);
    expect(build).toHaveBeenCalledTimes(1);
    expect(Object.getOwnPropertyDescriptor(kind, 'schema')).toMatchObject({ value: schema, writable: false, enumerable: true });
  });
});
