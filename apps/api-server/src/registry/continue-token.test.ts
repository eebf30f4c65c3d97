import { describe, expect, it } from 'vitest';
import { isBadRequest, type ApiError } from '@skiff/api';
import { ContinueTokens } from './continue-token.js';

function refused(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(isBadRequest(err)).toBe(true);
    return err as ApiError;
  }
  throw new Error('expected a 400');
}

describe('ContinueTokens', () => {
  const tokens = new ContinueTokens(Buffer.alloc(32, 7));
  const token = { rv: 42, start: { namespace: 'default', name: 'web-1' } };

  it('reads back what it wrote, for the same list, with the same key', () => {
    const text = tokens.encode(token, 'pods/default');
    expect(text).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.decode(text, 'pods/default')).toEqual(token);
    expect(new ContinueTokens(Buffer.alloc(32, 7)).decode(text, 'pods/default')).toEqual(token);
    expect(tokens.decode(tokens.encode({ rv: -1, start: token.start }, 'pods/'), 'pods/').rv).toBe(-1);
  });

  it('refuses a token that was altered, is from another list or server, or is not a token', () => {
    const text = tokens.encode(token, 'pods/default');
    const [body, mac] = text.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, ns: 'default', start: 'web-1' })).toString('base64url');
    expect(refused(() => tokens.decode(`${forged}.${mac}`, 'pods/default')).message).toMatch(/^invalid continue token: continue key is not valid: /);
    refused(() => tokens.decode(text, 'pods/kube-system'));
    refused(() => tokens.decode(text, 'deployments.apps/default'));
    refused(() => new ContinueTokens(Buffer.alloc(32, 8)).decode(text, 'pods/default'));
    refused(() => tokens.decode(body, 'pods/default'));
    refused(() => tokens.decode(`${text}.x`, 'pods/default'));
    refused(() => tokens.decode('not a token', 'pods/default'));
    refused(() => tokens.decode(`${body}.${mac.slice(2)}`, 'pods/default'));
  });
});
