/**
 * @module The user a request was authenticated as, kept beside the request for handlers and admission.
 */
import type { IncomingMessage } from 'node:http';
import { UNSECURED_USER, type UserInfo } from './user-info.js';

const users = new WeakMap<IncomingMessage, UserInfo>();

/** setRequestUser records who sent `req` (the auth gate calls it once per request). */
export function setRequestUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

/** requestUser is who sent `req`; a server built without authentication serves everyone as UNSECURED_USER. */
export function requestUser(req: IncomingMessage): UserInfo {
  return users.get(req) ?? UNSECURED_USER;
}
