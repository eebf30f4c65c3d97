/**
 * @module Client certificates (kube-apiserver --client-ca-file): the TLS layer has checked the chain against the
 * client CA; the certificate's CN is the user and its O entries the groups.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { unauthorized, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user-info.js';

/**
 * x509Authenticator answers the user of a verified client certificate and has no opinion on a request without one
 * (or on a plain-HTTP request). A certificate the client CA did not issue, or one expired, is 401 as in Kubernetes:
 * the TLS server asks for certificates without refusing the handshake (requestCert, not rejectUnauthorized), so
 * requests without one can still carry a token.
 */
export function x509Authenticator(): Authenticator {
  return (req: IncomingMessage): UserInfo | undefined => {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const peer = socket.getPeerCertificate();
    if (!peer || Object.keys(peer).length === 0) return undefined;
    if (!socket.authorized) throw unauthorized();
    const username = first(peer.subject?.CN);
    // kube's CommonNameUserConversion: a certificate without a CN names no one; other authenticators may.
    if (!username) return undefined;
    return { username, groups: all(peer.subject?.O) };
  };
}

// Node gives a repeated subject attribute as an array, a single one as a string.
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const first = (v: string | string[] | undefined): string | undefined => all(v)[0];
