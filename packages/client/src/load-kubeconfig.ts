/**
 * @module loadKubeconfig and loadInClusterConfig: ClientOptions from a kubeconfig file (the current context's
 * cluster and user, as client-go's clientcmd reads them) or from a pod's service account files (rest.InClusterConfig).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { createRequire } from 'node:module';
import { SERVICE_ACCOUNT_MOUNT_PATH } from '@skiff/api';
import type { ClientOptions } from './create-client.js';
import type { TlsOptions } from './rest-transport.js';

/** KubeconfigClient is what a kubeconfig says about reaching a server: ClientOptions plus the context's namespace. */
export type KubeconfigClient = Pick<ClientOptions, 'server' | 'tls' | 'token'> & { namespace?: string };

interface NamedEntry<T> {
  name?: string;
  [key: string]: T | string | undefined;
}

interface KubeconfigFile {
  clusters?: NamedEntry<Record<string, unknown>>[];
  users?: NamedEntry<Record<string, unknown>>[];
  contexts?: NamedEntry<Record<string, unknown>>[];
  'current-context'?: string;
}

// yaml (70 modules) loads only when a kubeconfig is read: a process given --server never needs it.
const require = createRequire(import.meta.url);
function parseYaml(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}

/** Token files are read again at most this often, so a rotated token is picked up (client-go: one minute). */
const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * loadKubeconfig reads a kubeconfig and returns the current (or named) context's server, TLS settings and
 * credential. Relative file paths are relative to the kubeconfig's directory, as kubectl resolves them. It throws
 * with the file and what is missing when the file does not describe a usable context.
 */
export function loadKubeconfig(path: string, opts: { context?: string; now?: () => number } = {}): KubeconfigClient {
  let doc: KubeconfigFile;
  try {
    doc = (parseYaml(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (err) {
    throw new Error(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`kubeconfig ${path}: ${what}`);
  };
  const contextName = opts.context ?? doc['current-context'] ?? fail('no current-context');
  const context = find(doc.contexts, contextName, 'context') ?? fail(`context "${contextName}" not found`);
  const clusterName = str(context['cluster']) ?? fail(`context "${contextName}" names no cluster`);
  const cluster = find(doc.clusters, clusterName, 'cluster') ?? fail(`cluster "${clusterName}" not found`);
  const userName = str(context['user']);
  const user = userName ? (find(doc.users, userName, 'user') ?? fail(`user "${userName}" not found`)) : {};
  const server = str(cluster['server']) ?? fail(`cluster "${clusterName}" has no server`);
  const base = dirname(path);
  const file = (p: string): Buffer => readFileSync(isAbsolute(p) ? p : join(base, p));
  const pem = (entry: Record<string, unknown>, key: string): Buffer | undefined => {
    const data = str(entry[`${key}-data`]);
    if (data) return Buffer.from(data, 'base64');
    const p = str(entry[key]);
    return p ? file(p) : undefined;
  };

  const tls: TlsOptions = {};
  const ca = pem(cluster, 'certificate-authority');
  if (ca) tls.ca = ca;
  const cert = pem(user, 'client-certificate');
  const key = pem(user, 'client-key');
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (cluster['insecure-skip-tls-verify'] === true) tls.insecureSkipVerify = true;
  const serverName = str(cluster['tls-server-name']);
  if (serverName) tls.serverName = serverName;

  const out: KubeconfigClient = { server };
  if (Object.keys(tls).length) out.tls = tls;
  const token = str(user['token']);
  const tokenFile = str(user['tokenFile']);
  if (token) out.token = token;
  else if (tokenFile) out.token = tokenFromFile(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile), opts.now ?? Date.now);
  const namespace = str(context['namespace']);
  if (namespace) out.namespace = namespace;
  return out;
}

/** The files the kubelet mounts into every pod that automounts its service account token (kube-api-access). */
export const SERVICE_ACCOUNT_DIR = SERVICE_ACCOUNT_MOUNT_PATH;

/**
 * loadInClusterConfig is rest.InClusterConfig: the `kubernetes` Service from KUBERNETES_SERVICE_HOST/PORT, the CA
 * and the (rotated) token from the service account directory.
 */
export function loadInClusterConfig(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR, now: () => number = Date.now): KubeconfigClient {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { server: `https://${hostPart}:${port}`, ...serviceAccountCredentials(dir, now), namespace: readFileSync(join(dir, 'namespace'), 'utf8').trim() };
}

/**
 * serviceAccountCredentials is the CA and (rotated) token of a pod's service account, for a client that must name
 * the api-server itself rather than reach it through the `kubernetes` Service (the service proxy, as kube-proxy).
 */
export function serviceAccountCredentials(dir = SERVICE_ACCOUNT_DIR, now: () => number = Date.now): Pick<ClientOptions, 'tls' | 'token'> {
  return { tls: { ca: readFileSync(join(dir, 'ca.crt')) }, token: tokenFromFile(join(dir, 'token'), now) };
}

/** tokenFromFile returns a token source that rereads the file when it changed, at most once a minute. */
function tokenFromFile(path: string, now: () => number): () => string {
  let token = readFileSync(path, 'utf8').trim();
  let mtime = statSync(path).mtimeMs;
  let checked = now();
  return () => {
    if (now() - checked < TOKEN_FILE_REREAD_MS) return token;
    checked = now();
    try {
      const m = statSync(path).mtimeMs;
      if (m !== mtime) {
        token = readFileSync(path, 'utf8').trim();
        mtime = m;
      }
    } catch {
      // A token file being replaced (atomic rename) may be missing for an instant: keep the last one.
    }
    return token;
  };
}

function find(list: NamedEntry<Record<string, unknown>>[] | undefined, name: string, key: string): Record<string, unknown> | undefined {
  const entry = list?.find((e) => e.name === name);
  const body = entry?.[key];
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
