import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseTokenFile, tokenFileAuthenticator } from './token-file-authenticator.js';

const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('token file', () => {
  it('parses kube token-auth-file lines with quoted group lists', () => {
    const tokens = parseTokenFile('# comment\n\nt1,alice,uid-1,"devs,ops"\nt2,bob,uid-2\n');
    expect(tokens.get('t1')).toEqual({ username: 'alice', uid: 'uid-1', groups: ['devs', 'ops'] });
    expect(tokens.get('t2')).toEqual({ username: 'bob', uid: 'uid-2', groups: [] });
  });

  it('refuses a malformed line with its number and duplicate tokens', () => {
    expect(() => parseTokenFile('t1,alice,u\nonlytoken\n')).toThrow(/line 2/);
    expect(() => parseTokenFile('t1,a,u\nt1,b,u\n')).toThrow(/line 2: duplicate/);
  });

  it('answers the user of a known bearer token and has no opinion on others', async () => {
    const auth = tokenFileAuthenticator(parseTokenFile('secret-token,alice,u1,admins\n'));
    expect(await auth(req('Bearer secret-token'))).toMatchObject({ username: 'alice', groups: ['admins'] });
    expect(await auth(req('Bearer other'))).toBeUndefined();
    expect(await auth(req())).toBeUndefined();
  });
});
