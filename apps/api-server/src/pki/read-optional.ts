/**
 * @module readOptional: a file's text, or undefined when it does not exist.
 */
import { readFileSync } from 'node:fs';

export function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
