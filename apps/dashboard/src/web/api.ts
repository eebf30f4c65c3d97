/**
 * @module The browser's view of the API through the dashboard server (same origin, session cookie): JSON requests
 * and list-then-watch collections kept current over a WebSocket watch, as a client-go informer keeps its cache.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  generation?: number;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as { message?: string }) : {};
  if (!res.ok) throw new ApiError(res.status, parsed.message ?? `${res.status} ${res.statusText}`);
  return parsed as T;
}

type Listener = () => void;

/**
 * Collection lists `path` and then watches it from the list's resourceVersion, reconnecting where it left off and
 * listing again after a 410 Gone. Listeners hear of every change; `items` is the current state.
 */
export class Collection<T extends KubeObject> {
  readonly #path: string;
  readonly #objects = new Map<string, T>();
  readonly #listeners = new Set<Listener>();
  #socket: WebSocket | undefined;
  #resourceVersion = '';
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #items: T[] = [];
  synced = false;
  error: string | undefined;

  constructor(path: string) {
    this.#path = path;
    void this.#list();
  }

  get items(): readonly T[] {
    return this.#items;
  }

  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  close(): void {
    this.#closed = true;
    cancelAnimationFrame(this.#frame);
    clearTimeout(this.#retry);
    this.#socket?.close();
  }

  #key(o: T): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }

  #frame = 0;

  /** changed tells listeners once per animation frame however many events came, so a burst renders once. */
  #changed(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#items = [...this.#objects.values()];
      for (const fn of this.#listeners) fn();
    });
  }

  async #list(): Promise<void> {
    if (this.#closed) return;
    try {
      const list = await request<{ metadata: { resourceVersion: string }; items: T[] }>('GET', this.#path);
      this.#objects.clear();
      for (const o of list.items) this.#objects.set(this.#key(o), o);
      this.#resourceVersion = list.metadata.resourceVersion;
      this.synced = true;
      this.error = undefined;
      this.#changed();
      this.#watch();
    } catch (err) {
      this.error = (err as Error).message;
      this.#changed();
      this.#retry = setTimeout(() => void this.#list(), 2000);
    }
  }

  #watch(): void {
    if (this.#closed) return;
    const sep = this.#path.includes('?') ? '&' : '?';
    const url = new URL(`${this.#path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.#resourceVersion)}`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    this.#socket = socket;
    let gone = false;
    socket.onmessage = (msg) => {
      const event = JSON.parse(String(msg.data)) as { type: string; object: T & { code?: number } };
      if (event.type === 'ERROR') {
        gone = event.object.code === 410;
        return;
      }
      const rv = event.object.metadata?.resourceVersion;
      if (rv) this.#resourceVersion = rv;
      if (event.type === 'BOOKMARK') return;
      if (event.type === 'DELETED') this.#objects.delete(this.#key(event.object));
      else this.#objects.set(this.#key(event.object), event.object);
      this.#changed();
    };
    socket.onclose = () => {
      if (this.#closed) return;
      // Pick up where the watch ended; after 410 Gone the history is gone, so list again.
      this.#retry = setTimeout(() => (gone ? void this.#list() : this.#watch()), gone ? 0 : 1000);
    };
  }
}
