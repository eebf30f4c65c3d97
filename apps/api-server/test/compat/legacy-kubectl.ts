/**
 * @module legacyKubectl: Debian's kubectl 1.20 (`kubernetes-client`), unpacked next to node_modules and never
 * installed over the system kubectl. It is the oldest kubectl we check: it reads /openapi/v2 as protobuf only.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** CACHE is the unpacked package, shared by test runs (node_modules/.cache is ignored by git). */
const CACHE = resolve(import.meta.dirname, '../../../../node_modules/.cache/skiff-kubectl-1.20');

export type LegacyKubectl = { path: string; version: string } | { unavailable: string };

/** legacyKubectl returns kubectl 1.20's path, downloading and unpacking the Debian package on first use. */
export async function legacyKubectl(): Promise<LegacyKubectl> {
  const binary = join(CACHE, 'usr/bin/kubectl');
  if (!existsSync(binary)) {
    mkdirSync(resolve(CACHE, '..'), { recursive: true });
    const work = mkdtempSync(`${CACHE}.tmp-`);
    try {
      await run('apt-get', ['download', 'kubernetes-client'], { cwd: work, timeout: 120_000 });
      const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
      if (!deb) return { unavailable: 'apt-get download kubernetes-client wrote no .deb' };
      await run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { timeout: 60_000 });
      // Another run may have finished first: keep whichever copy landed.
      try {
        renameSync(join(work, 'root'), CACHE);
      } catch (err) {
        if (!existsSync(binary)) throw err;
      }
    } catch (err) {
      return { unavailable: `cannot get Debian's kubernetes-client with apt: ${(err as Error).message.split('\n')[0]}` };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const { stdout } = await run(binary, ['version', '--client', '--short'], { timeout: 30_000 });
  return { path: binary, version: stdout.trim() };
}
