import { describe, expect, it } from 'vitest';
import { NdjsonSplitter } from './ndjson-splitter.js';

describe('NdjsonSplitter', () => {
  it('reassembles lines split across chunks and drops blank ones', () => {
    const s = new NdjsonSplitter();
    expect(s.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(s.push(Buffer.from(':2}\n\n{"c":3}'))).toEqual(['{"b":2}']);
    expect(s.end()).toEqual(['{"c":3}']);
    expect(s.end()).toEqual([]);
  });

  it('keeps a multi-byte character cut between chunks intact', () => {
    const s = new NdjsonSplitter();
    const bytes = Buffer.from('{"name":"ünïcode"}\n');
    expect(s.push(bytes.subarray(0, 11))).toEqual([]);
    expect(s.push(bytes.subarray(11))).toEqual(['{"name":"ünïcode"}']);
  });
});
