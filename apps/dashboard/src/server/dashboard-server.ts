/**
 * @module createDashboardServer: the dashboard's loopback web server. It serves the built UI, signs a browser in with
 * a bearer token (checked by the api-server's SelfSubjectReview, so only tokens the cluster accepts get a session)
 * and relays /api, /apis and /version, WebSocket watches included, to the api-server as that user.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Logger } from 'pino';
import type { Clock } from '@skiff/api';
import { ApiProxy, sendStatus, upstreamRequest, type Upstream } from './api-proxy.js';
import { SessionStore } from './session-store.js';

export const SESSION_COOKIE = 'skiff-dashboard';
const API_PATH = /^\/(api|apis|version)(\/|$|\?)/;

export interface DashboardServerDeps {
  upstream: Upstream;
  /** Directory of the built UI (index.html, app.js, app.css). */
  staticDir: string;
  clock: Clock;
  logger: Logger;
  /** What the UI is told of the cluster's timings. */
  config?: { nodeMonitorGracePeriodSeconds: number };
  /** How long a sign-in lasts (default 12 h). */
  sessionTtlMs?: number;
}

export function createDashboardServer(deps: DashboardServerDeps): Server {
  const sessions = new SessionStore(deps.clock, deps.sessionTtlMs ?? 12 * 3600_000);
  const proxy = new ApiProxy(deps.upstream);
  const app = express();
  app.disable('x-powered-by');

  app.post('/dashboard/session', express.json({ limit: '64kb' }), async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    if (!token) return sendStatus(res, 400, 'BadRequest', 'token is required: a bearer token the cluster accepts, e.g. from `kubectl create token`');
    let user: string | undefined;
    try {
      user = await whoAmI(deps.upstream, token);
    } catch (err) {
      return sendStatus(res, 502, 'ServiceUnavailable', `the dashboard could not reach the api-server: ${(err as Error).message}`);
    }
    if (!user) return sendStatus(res, 401, 'Unauthorized', 'the api-server did not accept this token');
    const id = sessions.create(token, user);
    deps.logger.info({ user }, 'signed in');
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict`);
    res.status(201).json({ user });
  });
  // Liveness for Compose's healthcheck: the server answers; the api-server's health is its own.
  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/dashboard/config', (_req, res) => {
    res.json({ nodeMonitorGracePeriodSeconds: 40, ...deps.config });
  });
  app.get('/dashboard/session', (req, res) => {
    const s = sessions.get(cookie(req, SESSION_COOKIE));
    if (!s) return sendStatus(res, 401, 'Unauthorized', 'not signed in');
    res.json({ user: s.user });
  });
  app.delete('/dashboard/session', (req, res) => {
    sessions.delete(cookie(req, SESSION_COOKIE));
    res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    res.status(204).end();
  });
  app.use((req, res, next) => {
    if (!API_PATH.test(req.url)) return next();
    const s = sessions.get(cookie(req, SESSION_COOKIE));
    if (!s) return sendStatus(res, 401, 'Unauthorized', 'not signed in to the dashboard');
    if (req.method !== 'GET' && !sameOrigin(req)) return sendStatus(res, 403, 'Forbidden', 'cross-origin writes are refused');
    proxy.web(req, res, s.token);
  });
  if (existsSync(deps.staticDir)) {
    app.use(express.static(deps.staticDir, { index: 'index.html', maxAge: 0 }));
    // Any other path is a view of the single-page app.
    app.use((req, res, next) => (req.method === 'GET' ? res.sendFile(join(deps.staticDir, 'index.html')) : next()));
  }

  const server = createServer(app);
  server.on('upgrade', (req, socket, head) => {
    const s = sessions.get(cookie(req, SESSION_COOKIE));
    // A WebSocket carries the cookie from any page the browser opens: only our own origin may use it.
    const refusal = !API_PATH.test(req.url ?? '') ? '404 Not Found' : !s ? '401 Unauthorized' : !sameOrigin(req) ? '403 Forbidden' : undefined;
    if (refusal || !s) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    proxy.upgrade(req, socket, head, s.token);
  });
  return server;
}

/** sameOrigin is true when the request carries no Origin (not a browser page) or one naming this server. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** whoAmI asks the api-server who `token` is (SelfSubjectReview); undefined when it does not accept the token. */
function whoAmI(upstream: Upstream, token: string): Promise<string | undefined> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const opts = {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    timeout: 10_000,
  };
  return new Promise((resolve, reject) => {
    const req = upstreamRequest(upstream, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 401) return resolve(undefined);
        try {
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: { userInfo?: { username?: string } } };
          const user = review.status?.userInfo?.username;
          if (res.statusCode && res.statusCode < 300 && user && user !== 'system:anonymous') return resolve(user);
          resolve(undefined);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
