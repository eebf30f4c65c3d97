import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { listOptionsFor } from './list-options.js';

const q = (s: string) => new URLSearchParams(s);
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    return (err as ApiError).message;
  }
  throw new Error('no error');
};

describe('listOptionsFor', () => {
  it('accepts a streaming list watch and the legacy forms', () => {
    expect(listOptionsFor(q('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'), true)).toEqual({ resourceVersion: undefined, resourceVersionMatch: 'NotOlderThan', sendInitialEvents: true });
    expect(listOptionsFor(q('resourceVersion=5'), true)).toEqual({ resourceVersion: 5, resourceVersionMatch: undefined, sendInitialEvents: undefined });
    expect(listOptionsFor(q('resourceVersion=5&resourceVersionMatch=Exact'), false).resourceVersionMatch).toBe('Exact');
  });

  it('refuses what apimachinery refuses, with its messages', () => {
    expect(message(() => listOptionsFor(q('sendInitialEvents=true'), true))).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true]',
    );
    expect(message(() => listOptionsFor(q('sendInitialEvents=true'), false))).toContain('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
    expect(message(() => listOptionsFor(q('resourceVersionMatch=NotOlderThan'), true))).toContain('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    expect(message(() => listOptionsFor(q('resourceVersionMatch=Exact'), false))).toContain('resourceVersionMatch is forbidden unless resourceVersion is provided');
    expect(message(() => listOptionsFor(q('resourceVersion=0&resourceVersionMatch=Exact'), false))).toContain('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    expect(message(() => listOptionsFor(q('resourceVersion=1&resourceVersionMatch=Newest'), false))).toContain('Unsupported value: "Newest"');
  });
});
