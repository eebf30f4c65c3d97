/**
 * @module SessionStore: signed-in browsers, each a random id (the cookie) for the bearer token it signed in with.
 * The token never reaches the browser's script or storage; a restart of the dashboard signs everyone out.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@skiff/api';

interface Session {
  token: string;
  user: string;
  expiresAt: number;
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** create starts a session and returns its id: 32 random bytes, so ids cannot be guessed. */
  create(token: string, user: string): string {
    this.#sweep();
    const id = randomBytes(32).toString('base64url');
    this.#sessions.set(id, { token, user, expiresAt: this.#clock.now() + this.#ttlMs });
    return id;
  }

  /** get returns the live session of `id`, or undefined when there is none or it has expired. */
  get(id: string | undefined): { token: string; user: string } | undefined {
    if (!id) return undefined;
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.#clock.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return { token: s.token, user: s.user };
  }

  delete(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** sweep drops expired sessions, so abandoned ones do not pile up. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }
}
