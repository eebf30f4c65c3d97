/**
 * @module /healthz, /livez and /readyz with kube-apiserver's `?verbose` output.
 */
import type { Request, Response } from 'express';

export type HealthCheck = { name: string; check: () => boolean };

/** healthHandler answers 200 when every check passes; machines read only the status code. */
export function healthHandler(endpoint: string, checks: HealthCheck[]) {
  return (req: Request, res: Response): void => {
    const exclude = new Set(([] as string[]).concat((req.query.exclude as string | string[] | undefined) ?? []));
    const results = checks.filter((c) => !exclude.has(c.name)).map((c) => ({ name: c.name, ok: safe(c.check) }));
    const ok = results.every((r) => r.ok);
    res.status(ok ? 200 : 500).type('text/plain');
    if (req.query.verbose !== undefined || !ok) {
      const lines = results.map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : 'failed: reason withheld'}`);
      lines.push(ok ? `${endpoint} check passed` : `${endpoint} check failed`);
      res.send(lines.join('\n') + '\n');
    } else res.send('ok');
  };
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
