/**
 * @module apiServerClientGate: who may use the agent's HTTPS port. Kubelet authenticates client certificates
 * against --client-ca-file and asks the api-server (SubjectAccessReview) whether the user may use nodes/proxy,
 * nodes/log, ...; Skiff's agents allow exactly the api-server's kubelet client identity instead: a certificate
 * signed by the cluster CA with CN kube-apiserver-kubelet-client or in group system:masters (what kubeadm gives
 * the api-server, and what cluster admins hold). No certificate or one the CA did not sign is 401; any other
 * identity is 403. /healthz and /readyz stay open: they say only whether the agent is up (container healthchecks).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';
export const SYSTEM_MASTERS = 'system:masters';
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

export interface GateRefusal {
  code: 401 | 403;
  message: string;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** apiServerClientGate decides one request (or upgrade); undefined means allowed. */
export function apiServerClientGate(req: IncomingMessage): GateRefusal | undefined {
  const path = (req.url ?? '/').split('?')[0]!;
  if (OPEN_PATHS.has(path)) return undefined;
  const socket = req.socket as TLSSocket;
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (!socket.authorized || !peer || !peer.subject) return { code: 401, message: 'Unauthorized' };
  const cn = peer.subject.CN as string | string[] | undefined;
  const user = asList(cn)[0] ?? '';
  const groups = asList(peer.subject.O as string | string[] | undefined);
  if (user === KUBELET_CLIENT_CN || groups.includes(SYSTEM_MASTERS)) return undefined;
  // kubelet's words for a denied request (server.go: "Forbidden (user=..., verb=..., resource=..., subresource=...)").
  return { code: 403, message: `Forbidden (user=${user}, verb=${(req.method ?? 'GET').toLowerCase()}, resource=nodes, subresource=proxy)` };
}
