/**
 * @module ContinueTokens: the opaque, signed `continue` tokens of paged lists.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors } from '@skiff/api';
import type { ListKey } from '../storage/storage.js';

/** ContinueToken is where the next page starts: after `start`, in the list as it was at revision `rv`. */
export interface ContinueToken {
  /** The revision all pages of the list are read at; -1: the latest (after an expired token, as kube does). */
  rv: number;
  start: ListKey;
}

/** The token payload, named as kube's continueToken (apiserver/pkg/storage/continue.go). */
interface Payload {
  v: 'meta.k8s.io/v1';
  rv: number;
  ns: string;
  start: string;
}

const MAC_BYTES = 16;

/**
 * ContinueTokens encodes tokens as base64url(JSON) plus an HMAC-SHA256 over it and the list they belong to
 * (resource and namespace). Kube's tokens are unsigned; ours are signed so a token that was edited, truncated or
 * taken from another list is refused with 400 instead of quietly starting somewhere else. The key is injected:
 * main.ts keeps it beside the database, so tokens stay valid across restarts as kube's do.
 */
export class ContinueTokens {
  readonly #key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  encode(token: ContinueToken, list: string): string {
    const payload: Payload = { v: 'meta.k8s.io/v1', rv: token.rv, ns: token.start.namespace, start: token.start.name };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac(body, list).toString('base64url')}`;
  }

  /** decode verifies and reads a token for the list `list`; anything else is 400 BadRequest. */
  decode(text: string, list: string): ContinueToken {
    const [body, mac, extra] = text.split('.');
    if (!body || !mac || extra !== undefined) throw invalid('not a continue token of this server');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.#mac(body, list))) {
      throw invalid('it was altered, or belongs to another list or server');
    }
    let p: Partial<Payload>;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload>;
    } catch {
      throw invalid('its payload is not JSON');
    }
    if (p.v !== 'meta.k8s.io/v1') throw invalid(`server does not recognize this encoded version "${String(p.v)}"`);
    if (typeof p.rv !== 'number' || !Number.isSafeInteger(p.rv) || (p.rv < 1 && p.rv !== -1)) throw invalid('incorrect encoded start resourceVersion');
    if (typeof p.ns !== 'string' || typeof p.start !== 'string' || p.start === '') throw invalid('encoded start key empty');
    return { rv: p.rv, start: { namespace: p.ns, name: p.start } };
  }

  #mac(body: string, list: string): Buffer {
    return createHmac('sha256', this.#key).update(list).update('\n').update(body).digest().subarray(0, MAC_BYTES);
  }
}

function invalid(why: string) {
  return errors.badRequest(`invalid continue token: continue key is not valid: ${why}`);
}
