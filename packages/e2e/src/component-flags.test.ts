import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mainOf } from './cluster.js';

const APPS = ['api-server', 'scheduler', 'controller-manager', 'node-agent'] as const;
// A developer's SKIFF_* variables must not change what the flags say.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKIFF_')));

function run(app: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainOf(app), ...args], { encoding: 'utf8', timeout: 30_000, env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(APPS)('%s command line (one parser for every component)', (app) => {
  it('prints the usage for --help and -h and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = run(app, [flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: node apps/${app}/dist/main\\.js \\[flags\\]\\n\\n  --`));
      expect(r.stdout).toMatch(/--listen +SKIFF_LISTEN/);
    }
  });

  it('refuses a trailing valueless flag and a bare --listen port with the usage, exit 2', () => {
    const trailing = run(app, ['--log-level']);
    expect(trailing.status).toBe(2);
    expect(trailing.stderr).toMatch(new RegExp(`^${app}: flag --log-level needs a value\\n\\nUsage:`));
    const bare = run(app, [...(app === 'node-agent' ? ['--node-name', 'flags-test'] : []), '--listen', '10999']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain(`${app}: --listen must be HOST:PORT, got "10999" (":10999" listens on every interface)`);
  });
});
