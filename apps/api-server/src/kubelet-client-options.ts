import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDialerOptions } from './routes/agent-dialer.js';

/**
 * kubeletClientOptions reads the api-server's client certificate for node agents: the files the flags name, or
 * <data-dir>/pki/apiserver-kubelet-client.crt|.key when the flags are unset and the cluster PKI wrote them.
 * A flag naming a file that cannot be read stops the start (an explicit setting must not silently fall back to
 * plain HTTP); with neither, agents are dialled over HTTP (agents without --client-ca-file, as in tests).
 */
export function kubeletClientOptions(o: { dataDir: string; kubeletClientCertificate: string; kubeletClientKey: string; kubeletCertificateAuthority: string; kubeletAllowLoopback: boolean; kubeletHttps?: boolean }): AgentDialerOptions {
  const opts: AgentDialerOptions = { allowLoopback: o.kubeletAllowLoopback };
  // kube-apiserver's old --kubelet-https=false: agents that serve plain HTTP (no cluster CA), as the insecure-port tests run them.
  if (o.kubeletHttps === false) return opts;
  let certFile = o.kubeletClientCertificate;
  let keyFile = o.kubeletClientKey;
  if (!certFile && !keyFile) {
    const cert = join(o.dataDir, 'pki', 'apiserver-kubelet-client.crt');
    const key = join(o.dataDir, 'pki', 'apiserver-kubelet-client.key');
    if (existsSync(cert) && existsSync(key)) [certFile, keyFile] = [cert, key];
  }
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('--kubelet-client-certificate and --kubelet-client-key must be given together');
    opts.clientCertificate = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }
  if (o.kubeletCertificateAuthority) opts.certificateAuthority = readFileSync(o.kubeletCertificateAuthority);
  return opts;
}
