/**
 * @module prepareSubPath: the directory a volumeMount's subPath names inside a volume, made safe to bind (kubelet's
 * subpath SafeMakeDir and the escape check of doBindSubPath), for engines too old to mount a named volume's
 * subpath themselves (Docker API < 1.45 has no VolumeOptions.Subpath).
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { validatePath } from './atomic-writer.js';

const inside = (base: string, path: string): boolean => path === base || path.startsWith(`${base}${sep}`);

/**
 * prepareSubPath returns the real path of `subPath` inside the volume directory `base`, creating what is missing
 * with the mode of the volume's root, as kubelet does. It refuses a path that leaves the volume: `..` or an absolute
 * path, or a symlink (made by a container) resolving outside it. The result is resolved, so the engine binds the
 * directory checked here; a container swapping a directory for a symlink between this check and the bind could
 * still race it (kubelet closes that window with /proc/self/fd, which the engine's API cannot take).
 */
export async function prepareSubPath(base: string, subPath: string): Promise<string> {
  validatePath(subPath.replace(/\/+$/, ''));
  const root = await realpath(base);
  const mode = (await stat(root)).mode & 0o7777;
  let current = root;
  for (const part of subPath.split('/').filter((p) => p !== '' && p !== '.')) {
    const next = join(current, part);
    const found = await lstat(next).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!found) await mkdir(next, { mode });
    current = await realpath(next);
    if (!inside(root, current)) throw new Error(`subPath ${subPath} leaves the volume: ${part} resolves outside it`);
  }
  return current;
}
