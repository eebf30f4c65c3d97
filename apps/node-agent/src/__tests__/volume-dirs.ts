/**
 * @module Volume directories for agent tests: a fresh root dir under the temp dir and a fresh tmpfs dir under
 * /dev/shm (a tmpfs on Linux), removed by `remove`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** TestVolumeDirs are the two directories an agent writes volume files to. */
export interface TestVolumeDirs {
  rootDir: string;
  tmpfsDir: string;
  remove(): void;
}

/** testVolumeDirs makes the directories; call remove() after the test. */
export function testVolumeDirs(): TestVolumeDirs {
  const rootDir = mkdtempSync(join(tmpdir(), 'skiff-agent-root-'));
  const tmpfsDir = mkdtempSync('/dev/shm/skiff-agent-test-');
  return {
    rootDir,
    tmpfsDir,
    remove: () => {
      rmSync(rootDir, { recursive: true, force: true });
      rmSync(tmpfsDir, { recursive: true, force: true });
    },
  };
}
