/**
 * @module parseStreamRequest: the query of an exec or attach request (PodExecOptions / PodAttachOptions).
 */
import type { StreamOptions } from '../runtime/container-runtime.js';

/** StreamRequestError is a request the agent refuses before upgrading, with the HTTP code it answers. */
export class StreamRequestError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'StreamRequestError';
    this.code = code;
  }
}

const flag = (q: URLSearchParams, name: string): boolean => {
  const v = q.get(name);
  return v === 'true' || v === '1';
};

/**
 * parseStreamOptions reads stdin/stdout/stderr/tty as PodExecOptions does; a terminal merges stderr into stdout,
 * so stderr is dropped with tty (kubectl never asks for both). At least one stream must be asked for.
 */
export function parseStreamOptions(q: URLSearchParams): StreamOptions {
  const tty = flag(q, 'tty');
  const opts = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr') && !tty, tty };
  if (!opts.stdin && !opts.stdout && !flag(q, 'stderr')) throw new StreamRequestError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}
