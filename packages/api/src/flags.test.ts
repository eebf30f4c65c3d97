import { describe, expect, it } from 'vitest';
import { flagUsage, parseBool, parseFlags, type ParsedFlags } from './flags.js';

const SPECS = {
  server: { env: 'SKIFF_SERVER', default: 'http://127.0.0.1:8080', help: 'api-server URL' },
  'leader-elect': { env: 'SKIFF_LEADER_ELECT', default: 'false', boolean: true },
  'pod-network': { env: 'SKIFF_POD_NETWORK', default: 'skiff-local' },
  master: {},
} as const;

function parse(argv: string[], env: Record<string, string> = {}): ParsedFlags<typeof SPECS> {
  const r = parseFlags(SPECS, argv, env);
  if (r === 'help') throw new Error('unexpected help');
  return r;
}

describe('parseFlags', () => {
  it('reads --flag value and --flag=value, then the variable, then the default', () => {
    const f = parse(['--server', 'http://a:1', '--pod-network=x'], { SKIFF_SERVER: 'http://env:2', SKIFF_POD_NETWORK: 'y' });
    expect([f.get('server'), f.get('pod-network'), f.get('leader-elect')]).toEqual(['http://a:1', 'x', 'false']);
    expect(parse([], { SKIFF_SERVER: 'http://env:2' }).get('server')).toBe('http://env:2');
    // An empty variable is a value ("" is Docker's default bridge for --pod-network).
    const empty = parse([], { SKIFF_POD_NETWORK: '' });
    expect([empty.get('pod-network'), empty.isSet('pod-network'), empty.isSet('server')]).toEqual(['', true, false]);
  });

  it('takes a bare switch as true, anywhere, and a following true/false as its value', () => {
    expect(parse(['--leader-elect']).get('leader-elect')).toBe('true');
    expect(parse(['--leader-elect', '--server', 's']).get('leader-elect')).toBe('true');
    expect(parse(['--leader-elect', 'false']).get('leader-elect')).toBe('false');
    expect(parse(['--leader-elect=false']).get('leader-elect')).toBe('false');
  });

  it('refuses a valued flag without a value, last or followed by another flag, instead of reading it as ""', () => {
    expect(() => parse(['--server'])).toThrow('flag --server needs a value');
    expect(() => parse(['--server', '--leader-elect'])).toThrow('flag --server needs a value');
    expect(parse(['--server=']).get('server')).toBe('');
  });

  it('refuses unknown flags and positional arguments, and answers help for --help and -h', () => {
    expect(() => parse(['--nope'])).toThrow('unknown flag --nope');
    expect(() => parse(['--toString'])).toThrow('unknown flag --toString');
    expect(() => parse(['serve'])).toThrow('unexpected argument "serve"');
    expect(parseFlags(SPECS, ['--server', 's', '--help'], {})).toBe('help');
    expect(parseFlags(SPECS, ['-h'], {})).toBe('help');
  });

  it('reads booleans as kube does and lists every flag in the usage', () => {
    expect([parseBool('x', 'TRUE'), parseBool('x', '0')]).toEqual([true, false]);
    expect(() => parseBool('leader-elect', 'maybe')).toThrow('--leader-elect must be true or false, got "maybe"');
    const usage = flagUsage('node main.js', SPECS);
    expect(usage).toMatch(/^Usage: node main\.js \[flags\]\n\n/);
    expect(usage).toMatch(/--server +SKIFF_SERVER +default http:\/\/127\.0\.0\.1:8080  \(api-server URL\)/);
    expect(usage).toMatch(/--pod-network +SKIFF_POD_NETWORK +default skiff-local/);
    expect(usage).toMatch(/--master\n/);
  });
});
