/**
 * @module AuthGate: authentication then authorization in front of every request and WebSocket upgrade, as
 * kube-apiserver's WithAuthentication and WithAuthorization filters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { endSocketWithStatus, sendError, toApiError } from '../http/send.js';
import type { Attributes, Authorizer } from './authorizer.js';
import { forbidden } from './forbidden.js';
import { requestAttributes } from './request-attributes.js';
import { requestUrl } from '../http/request-url.js';
import { setRequestUser } from './request-user.js';
import type { UserInfo } from './user-info.js';

/** Seen after a request is authenticated and authorized (allowed or not): the audit log hooks in here. */
export type RequestObserver = (req: IncomingMessage, res: ServerResponse | undefined, attrs: Attributes, allowed: boolean, reason: string) => void;

export interface AuthGateOptions {
  authenticate(req: IncomingMessage): Promise<UserInfo>;
  authorizer: Authorizer;
  observe?: RequestObserver;
}

export interface AuthGate {
  /** Express middleware: answers 401/403 itself, else records the user and calls next. */
  middleware(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /** For an upgrade: true when it may proceed; otherwise the socket was answered with the Status and closed. */
  admitUpgrade(req: IncomingMessage, socket: Duplex): Promise<boolean>;
}

export function authGate(opts: AuthGateOptions): AuthGate {
  async function check(req: IncomingMessage, upgrade: boolean, res?: ServerResponse): Promise<void> {
    const user = await opts.authenticate(req);
    setRequestUser(req, user);
    const attrs = requestAttributes(user, req.method ?? 'GET', requestUrl(req), upgrade);
    const { decision, reason } = opts.authorizer.authorize(attrs);
    opts.observe?.(req, res, attrs, decision === 'allow', reason);
    if (decision !== 'allow') throw forbidden(attrs, reason);
  }
  return {
    middleware(req, res, next) {
      check(req, false, res).then(next, (err: unknown) => sendError(res, err));
    },
    async admitUpgrade(req, socket) {
      try {
        await check(req, true);
        return true;
      } catch (err) {
        endSocketWithStatus(socket, toApiError(err));
        return false;
      }
    },
  };
}
