/**
 * @module AtomicWriter: kubelet's atomic writer for configMap, secret, projected and downwardAPI volumes. A reader
 * of the volume sees the old set of files or the new one, never a mix.
 */
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Payload } from './volume-payload.js';

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** validatePath refuses what could escape the volume or collide with the writer's own entries. */
export function validatePath(path: string): void {
  if (path === '') throw new Error('invalid path: must not be empty');
  if (isAbsolute(path)) throw new Error(`invalid path: must be relative path: ${path}`);
  if (path.length > 4096) throw new Error(`invalid path: must be less than or equal to 4096 characters`);
  const parts = path.split('/');
  if (parts.some((p) => p.length > 255)) throw new Error(`invalid path: element longer than 255 characters: ${path}`);
  if (parts.includes('..')) throw new Error(`invalid path: must not contain '..': ${path}`);
  if (path.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${path}`);
}

function timestampName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/**
 * AtomicWriter keeps the payload in `<dir>/..<timestamp>/`, points the symlink `..data` at it and exposes each
 * top-level entry as `<name> -> ..data/<name>`. An update writes a new timestamped directory, then swaps `..data`
 * with one rename (atomic on POSIX), then removes the old directory and entries that are gone. Writing a payload
 * equal to the current one changes nothing.
 */
export class AtomicWriter {
  constructor(
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** write makes the volume hold exactly `payload`; it resolves true when something changed. */
  async write(payload: Payload): Promise<boolean> {
    for (const path of payload.keys()) validatePath(path);
    await mkdir(this.dir, { recursive: true });
    const oldTs = await readlink(join(this.dir, DATA_DIR)).catch(() => undefined);
    const oldPaths = oldTs ? await listFiles(join(this.dir, oldTs)) : [];
    if (oldTs && (await this.#same(join(this.dir, oldTs), oldPaths, payload))) return false;

    const tsDir = await mkdtemp(join(this.dir, timestampName(this.now())));
    for (const [path, file] of payload) {
      const target = join(tsDir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.data);
      // Explicitly: writeFile's mode is masked by the umask.
      await chmod(target, file.mode);
    }
    const top = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
    for (const name of top) {
      await symlink(join(DATA_DIR, name), join(this.dir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    const tmp = join(this.dir, DATA_DIR_TMP);
    await rm(tmp, { force: true });
    await symlink(basename(tsDir), tmp);
    await rename(tmp, join(this.dir, DATA_DIR));
    for (const name of new Set(oldPaths.map((p) => p.split('/')[0]!))) {
      if (!top.has(name)) await rm(join(this.dir, name), { force: true });
    }
    if (oldTs) await rm(join(this.dir, oldTs), { recursive: true, force: true });
    return true;
  }

  async #same(tsDir: string, oldPaths: string[], payload: Payload): Promise<boolean> {
    if (oldPaths.length !== payload.size) return false;
    for (const path of oldPaths) {
      const want = payload.get(path);
      if (!want) return false;
      const [data, st] = await Promise.all([readFile(join(tsDir, path)), stat(join(tsDir, path))]);
      if ((st.mode & 0o7777) !== want.mode || !data.equals(want.data)) return false;
    }
    return true;
  }
}

/** listFiles lists the files under `root`, as paths relative to it. */
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(root, prefix), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}
