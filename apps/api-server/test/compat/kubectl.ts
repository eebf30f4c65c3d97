/**
 * @module Runs the real kubectl (1.32, or another build) against a test api-server, with its own kubeconfig and discovery cache.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LineStream {
  lines: string[];
  /** Resolves once a line matching `re` has been printed (rejects after timeoutMs). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stderr(): string;
  kill(): void;
}

/** Kubectl wraps one kubeconfig and cache directory pointing at `server` (plain http, no TLS). */
export class Kubectl {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly cacheDir: string;

  /** `binary` is another kubectl build (kubectl 1.20 from Debian, see legacy-kubectl.ts). */
  constructor(
    server: string,
    readonly binary = KUBECTL,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
    this.cacheDir = join(this.dir, 'cache');
    writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: skiff',
        '  cluster:',
        `    server: ${server}`,
        'users:',
        '- name: skiff',
        '  user: {}',
        'contexts:',
        '- name: skiff',
        '  context: {cluster: skiff, user: skiff, namespace: default}',
        'current-context: skiff',
        '',
      ].join('\n'),
    );
  }

  private args(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args];
  }

  /** run executes kubectl and resolves with its exit code and output (never rejects on a non-zero exit). */
  run(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(this.binary, this.args(args), { timeout: timeoutMs, env: { ...process.env, HOME: this.dir, KUBECONFIG: '' } }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** output runs kubectl and resolves its stdout; a non-zero exit rejects with the command, code and stderr. */
  async output(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`${this.binary} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** writeFile puts a manifest in the temp dir and returns its path. */
  writeFile(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  /** stream spawns a long-running kubectl (get -w, rollout status) and collects stdout lines. */
  stream(args: string[]): LineStream {
    const child = spawn(this.binary, this.args(args), { env: { ...process.env, HOME: this.dir, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let err = '';
    let waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        waiters = waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return {
      lines,
      exited,
      stderr: () => err,
      waitForLine(re, timeoutMs = 10_000) {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
          waiters.push({ re, resolve });
          setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs}ms; stdout: ${JSON.stringify(lines)} stderr: ${err}`)), timeoutMs);
        });
      },
      kill: () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** columns splits a kubectl table line on runs of 2+ spaces. */
export function columns(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}
