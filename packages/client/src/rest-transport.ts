/**
 * @module RestTransport: the one place that sends HTTP requests to the api-server, over pooled keep-alive connections.
 */
import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import { apiErrorFromResponse } from './api-error-from-response.js';

/** TransportOptions configures the connection pools; createClient fills the defaults. */
export interface TransportOptions {
  /** Base URL of the api-server, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  server: string;
  userAgent: string;
  /** Time allowed for response headers and between body chunks of ordinary requests. */
  timeoutMs: number;
  /** Keep-alive connections for ordinary requests; watches use a pool of their own. */
  connections?: number;
  /** How to trust the server and prove who we are over https (kubeconfig's certificate-authority, client cert). */
  tls?: TlsOptions;
  /** Bearer token sent on every request; a function is asked per request, so a rotated token file is picked up. */
  token?: string | (() => string);
}

/** TlsOptions are the kubeconfig's TLS settings, as PEM text or bytes. */
export interface TlsOptions {
  /** CA bundle the server's certificate must chain to; without it the system's roots are used. */
  ca?: string | Buffer;
  /** Client certificate and key (x509 authentication). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name checked against the server's certificate when it differs from the URL's host (kubeconfig tls-server-name). */
  serverName?: string;
  /** kubeconfig's insecure-skip-tls-verify: accept any server certificate. Never the default. */
  insecureSkipVerify?: boolean;
}

/** HttpMethod is the subset of methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** RestRequest is one API call; `path` already carries its query string. */
export interface RestRequest {
  method: HttpMethod;
  path: string;
  /** An object is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  /** Content-Type of the body; defaults to application/json. */
  contentType?: string;
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal;
}

/**
 * RestTransport sends requests through an undici Pool rather than fetch: the scheduler and the benchmarks send
 * thousands of requests per second and the pool's keep-alive sockets avoid a TCP handshake per call. Long-lived
 * streams (watches, followed logs) use a second, unbounded pool so they never starve ordinary requests.
 */
export class RestTransport {
  readonly origin: string;
  readonly basePath: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
  /** TLS options for other connections to the same server (WebSocket watches), in node:tls form. */
  readonly tlsConnect: ConnectionOptions;
  readonly #token: (() => string) | undefined;
  readonly #pool: Pool;
  readonly #streamPool: Pool;

  constructor(opts: TransportOptions) {
    const url = new URL(opts.server);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported server URL ${opts.server}`);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.userAgent = opts.userAgent;
    this.timeoutMs = opts.timeoutMs;
    this.tlsConnect = tlsConnectOptions(opts.tls);
    const token = opts.token;
    this.#token = token === undefined ? undefined : typeof token === 'function' ? token : () => token;
    const connect = this.tlsConnect;
    this.#pool = new Pool(this.origin, {
      connect,
      connections: opts.connections ?? 64,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    this.#streamPool = new Pool(this.origin, { connect, connections: null, pipelining: 1, headersTimeout: opts.timeoutMs, bodyTimeout: 0 });
  }

  /** json sends a request and parses the JSON answer; non-2xx answers throw ApiError. */
  async json<R>(req: RestRequest): Promise<R> {
    const text = await this.text(req);
    return (text ? JSON.parse(text) : undefined) as R;
  }

  /** text sends a request and returns the body as text; non-2xx answers throw ApiError. */
  async text(req: RestRequest): Promise<string> {
    const res = await this.#pool.request(this.#options(req, this.timeoutMs));
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299) throw apiErrorFromResponse(res.statusCode, text);
    return text;
  }

  /**
   * stream sends a request and hands back the body as a Readable once a 2xx status has arrived, with no body timeout
   * (followed logs and watches may stay quiet for long). Destroying the stream closes the connection.
   */
  async stream(req: RestRequest): Promise<Readable> {
    const res = await this.#streamPool.request(this.#options(req, 0));
    if (res.statusCode < 200 || res.statusCode > 299) throw apiErrorFromResponse(res.statusCode, await res.body.text());
    return res.body;
  }

  /** headers are what every request to the server carries: user agent and, with a token, Authorization. */
  headers(): Record<string, string> {
    const token = this.#token?.();
    return token ? { 'user-agent': this.userAgent, authorization: `Bearer ${token}` } : { 'user-agent': this.userAgent };
  }

  /** url renders an API path as an absolute URL with the given scheme family (http or ws). */
  url(path: string, scheme: 'http' | 'ws' = 'http'): string {
    const origin = scheme === 'ws' ? this.origin.replace(/^http/, 'ws') : this.origin;
    return origin + this.basePath + path;
  }

  /** close waits for in-flight requests and closes every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#streamPool.destroy()]);
  }

  #options(req: RestRequest, bodyTimeout: number): Dispatcher.RequestOptions {
    const headers: Record<string, string> = { accept: req.accept ?? 'application/json', ...this.headers() };
    let body: string | Buffer | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    if (req.headers) for (const key in req.headers) headers[key.toLowerCase()] = req.headers[key] as string;
    const options: Dispatcher.RequestOptions = {
      method: req.method,
      path: this.basePath + req.path,
      headers,
      body,
      headersTimeout: this.timeoutMs,
      bodyTimeout,
    };
    if (req.signal) options.signal = req.signal;
    return options;
  }
}

/** tlsConnectOptions turns TlsOptions into node:tls options; an absent CA means the system's roots. */
function tlsConnectOptions(tls: TlsOptions | undefined): ConnectionOptions {
  if (!tls) return {};
  const out: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
  if (tls.ca !== undefined) out.ca = tls.ca;
  if (tls.cert !== undefined) out.cert = tls.cert;
  if (tls.key !== undefined) out.key = tls.key;
  if (tls.serverName !== undefined) out.servername = tls.serverName;
  return out;
}
