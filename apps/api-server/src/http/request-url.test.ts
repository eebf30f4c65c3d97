import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestUrl } from './request-url.js';

describe('requestUrl', () => {
  it('parses a request target once for every reader, and again once the target is rewritten', () => {
    const req = new IncomingMessage(new Socket());
    req.url = '/api/v1/namespaces/a/pods?limit=5';
    const first = requestUrl(req);
    expect(first.pathname).toBe('/api/v1/namespaces/a/pods');
    expect(first.searchParams.get('limit')).toBe('5');
    expect(requestUrl(req)).toBe(first);
    req.url = '/api/v1/namespaces/a/pods?watch=true';
    const rewritten = requestUrl(req);
    expect(rewritten).not.toBe(first);
    expect(rewritten.searchParams.get('watch')).toBe('true');
    const other = new IncomingMessage(new Socket());
    other.url = '/api/v1/namespaces/a/pods?limit=5';
    expect(requestUrl(other)).not.toBe(first);
  });
});

describe('requestUrl parsing', () => {
  it('parses every target as new URL(target, "http://localhost") does', () => {
    const targets = ['/', '/api/v1/namespaces/a/pods?limit=5#x', '/apis/apps/v1/../v1/deployments', '/a b/%zz?q=%20&r', '//evil/x', '/\\evil', '/\t/x', '/a\t/b', '*', '/%2e%2e/x', '/api/v1/namespaces/a/pods/%E2%9C%93'];
    for (const target of targets) {
      const req = new IncomingMessage(new Socket());
      req.url = target;
      expect(requestUrl(req).href).toBe(new URL(target, 'http://localhost').href);
    }
  });
});
