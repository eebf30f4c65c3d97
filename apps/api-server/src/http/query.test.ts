import { describe, expect, it } from 'vitest';
import { boolParam } from './query.js';

const q = (s: string) => new URLSearchParams(s);

describe('boolParam (apimachinery runtime.Convert_Slice_string_To_bool)', () => {
  it.each(['watch=true', 'watch=True', 'watch=TRUE', 'watch=1', 'watch=t', 'watch=yes', 'watch=', 'watch'])('%s is true', (s) => {
    expect(boolParam(q(s), 'watch')).toBe(true);
  });
  it.each(['', 'watch=false', 'watch=False', 'watch=FALSE', 'watch=0', 'other=true'])('%j is false', (s) => {
    expect(boolParam(q(s), 'watch')).toBe(false);
  });
});
