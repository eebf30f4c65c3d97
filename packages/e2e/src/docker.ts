/**
 * @module Docker for the e2e scenarios that run node agents with `--runtime docker`: whether the engine is there,
 * the docker CLI, and removing what a test node left behind (by its skiff.dev/node label, nothing else).
 */
import { execFile, execFileSync } from 'node:child_process';

/** dockerUp says whether the engine answers; with SKIFF_REQUIRE_DOCKER=1 an absent engine fails the run instead. */
export function dockerUp(): boolean {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    if (process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error('SKIFF_REQUIRE_DOCKER=1 but Docker is unreachable');
    return false;
  }
}

/** docker runs the docker CLI and resolves with its stdout. */
export function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** removeNode removes the containers and volumes a test node's agent created. */
export async function removeNode(node: string): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.dev/node=${node}`]).catch(() => '')).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]).catch(() => '');
  const vols = (await docker(['volume', 'ls', '-q', '--filter', `label=skiff.dev/node=${node}`]).catch(() => '')).split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols]).catch(() => '');
}

/** sleepForever is a container command that runs until SIGTERM and then exits 0 at once. */
export const sleepForever = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
