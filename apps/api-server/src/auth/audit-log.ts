/**
 * @module auditLog: kube-apiserver's --audit-log-path at level Metadata: one audit.k8s.io/v1 Event per request, as
 * a JSON line, written when the response completes. Bodies are never read, so Secret data and tokens never reach it.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestObserver } from './auth-gate.js';
import type { Attributes } from './authorizer.js';

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: 'Metadata';
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource: string; namespace?: string; name?: string; apiGroup?: string; apiVersion: string; subresource?: string };
  responseStatus: { metadata: Record<string, never>; code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations: Record<string, string>;
}

export interface AuditLogOptions {
  path: string;
  clock: { now(): number };
  /** Told once per outage when the file cannot be written; requests go on regardless. */
  onError(err: Error): void;
  /** Told when writing works again after an outage. */
  onRecovered?(): void;
  /** Events are dropped, not queued, while this many bytes wait for the disk (a stuck disk must not eat memory). */
  maxBufferedBytes?: number;
  /** After a write error the file is reopened on the first event this long later. */
  retryMs?: number;
}

export interface AuditLog {
  observe: RequestObserver;
  /** Events dropped because the file could not take them. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** microTime is kube's metav1.MicroTime: RFC 3339 with six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** sourceIPs as kube's utilnet.SourceIPs: X-Forwarded-For, then X-Real-Ip, then the peer, without repeats. */
function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const fwd = req.headers['x-forwarded-for'];
  for (const ip of (Array.isArray(fwd) ? fwd.join(',') : (fwd ?? '')).split(',')) if (ip.trim()) ips.push(ip.trim());
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real.trim()) ips.push(real.trim());
  const peer = req.socket?.remoteAddress?.replace(/^::ffff:/, '');
  if (peer) ips.push(peer);
  return [...new Set(ips)];
}

function objectRef(a: Attributes): AuditEvent['objectRef'] {
  if (!a.resourceRequest) return undefined;
  return {
    resource: a.resource,
    ...(a.namespace ? { namespace: a.namespace } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { apiGroup: a.apiGroup } : {}),
    apiVersion: a.apiVersion,
    ...(a.subresource ? { subresource: a.subresource } : {}),
  };
}

/**
 * auditLog appends events to `path`. Writes never block or fail a request: while the file cannot be written (no
 * such directory, permissions, a full disk) events are dropped, the error is reported once, and the file is
 * reopened on a later event.
 */
export function auditLog(opts: AuditLogOptions): AuditLog {
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const retryMs = opts.retryMs ?? 10_000;
  let stream: WriteStream | undefined;
  let failedAt: number | undefined;
  let dropped = 0;

  function fail(err: Error): void {
    if (failedAt === undefined) opts.onError(err);
    failedAt = opts.clock.now();
    stream?.destroy();
    stream = undefined;
  }

  function open(): WriteStream | undefined {
    if (stream) return stream;
    if (failedAt !== undefined && opts.clock.now() - failedAt < retryMs) return undefined;
    try {
      mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
    } catch (err) {
      fail(err as Error);
      return undefined;
    }
    const s = createWriteStream(opts.path, { flags: 'a', mode: 0o600 });
    s.on('error', (err) => {
      if (stream === s) fail(err);
    });
    stream = s;
    return s;
  }

  function write(event: AuditEvent): void {
    const s = open();
    if (!s || s.writableLength > maxBuffered) {
      dropped++;
      return;
    }
    const recovering = failedAt !== undefined;
    s.write(`${JSON.stringify(event)}\n`, (err) => {
      if (err || !recovering || stream !== s || failedAt === undefined) return;
      failedAt = undefined;
      opts.onRecovered?.();
    });
  }

  const observe: RequestObserver = (req, res, attrs, allowed, reason) => {
    const received = opts.clock.now();
    const header = req.headers['audit-id'];
    const auditID = typeof header === 'string' && header ? header : randomUUID();
    if (res && !res.headersSent) res.setHeader('Audit-Id', auditID);
    const ua = req.headers['user-agent'];
    const u = attrs.user;
    const event = (code: number): AuditEvent => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID,
      stage: 'ResponseComplete',
      requestURI: req.url ?? '/',
      verb: attrs.verb,
      user: { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) },
      sourceIPs: sourceIPs(req),
      ...(ua ? { userAgent: ua } : {}),
      ...(objectRef(attrs) ? { objectRef: objectRef(attrs) } : {}),
      responseStatus: { metadata: {}, code },
      requestReceivedTimestamp: microTime(received),
      stageTimestamp: microTime(opts.clock.now()),
      annotations: { 'authorization.k8s.io/decision': allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': reason },
    });
    // An upgrade has no response object: it is 101 if allowed, else the gate answers 403 on the socket.
    if (!res) return write(event(allowed ? 101 : 403));
    onceDone(res, () => write(event(res.statusCode)));
  };

  return {
    observe,
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.end(() => resolve());
        stream = undefined;
      }),
  };
}

/** onceDone runs `f` once, when the response has been sent or its connection has gone. */
function onceDone(res: ServerResponse, f: () => void): void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    f();
  };
  res.once('finish', run);
  res.once('close', run);
}
