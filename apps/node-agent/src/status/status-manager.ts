/**
 * @module StatusManager: writes pod statuses to the api-server only when they changed, one write in flight per pod,
 * the newest status winning (kubelet's status_manager.go).
 */
import { isNotFound, type Pod, type PodStatus } from '@skiff/api';
import { compareResourceVersions } from '@skiff/client';
import type { Logger } from '@skiff/controller-kit';
import { canonicalJson } from '../canonical-json.js';

/** StatusWriter is the slice of the client the status manager needs. */
export interface StatusWriter {
  /** patchStatus writes the status; it resolves with the pod's resourceVersion after the write, when known. */
  patchStatus(namespace: string, name: string, uid: string, status: PodStatus): Promise<string | void>;
}

interface Entry {
  namespace: string;
  name: string;
  pending?: PodStatus;
  pendingText?: string;
  /** The status being written now: a sync that computes it again meanwhile must not queue a second write. */
  inflight?: PodStatus;
  inflightText?: string;
  writtenStatus?: PodStatus;
  written?: string;
  /** The pod's resourceVersion after the last write: an informer copy older than it does not show that write yet. */
  writtenRv?: string;
  writing: boolean;
  flushing?: Promise<void>;
}

/**
 * lagging says whether the informer's copy of the pod may predate this manager's last write (older resourceVersion,
 * or either one unknown). Once it has caught up, what it shows wins: whoever changed the status since (the node
 * lifecycle controller marking the pod not ready, say) is answered with a new write, as kubelet's status manager
 * reconciles the pod manager's copy with its own.
 */
function lagging(e: Entry, pod: Pod): boolean {
  const rv = pod.metadata.resourceVersion;
  return e.writtenRv === undefined || rv === undefined || compareResourceVersions(rv, e.writtenRv) < 0;
}

/** statusKey is a status as the api-server would store it, for comparing. */
const statusKey = (status: PodStatus): string => canonicalJson(status, { dropNulls: true });

/**
 * StatusManager coalesces status writes: `set` is cheap and never waits. A status equal to what the pod already
 * shows, or to what this manager is writing or last wrote, is dropped; while one write is in flight, later statuses
 * replace each other and only the newest is written next. Statuses are compared as the api-server stores them (keys
 * in any order, null fields absent), so a status read back from the watch matches the one written.
 */
export class StatusManager {
  readonly #writer: StatusWriter;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  #idle: Array<() => void> = [];
  writes = 0;

  constructor(writer: StatusWriter, logger: Logger) {
    this.#writer = writer;
    this.#log = logger;
  }

  /** set records the status the pod should show and writes it if it differs. */
  set(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    const text = statusKey(status);
    let e = this.#entries.get(uid);
    if (!e) {
      e = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', writing: false };
      this.#entries.set(uid, e);
    }
    const written = lagging(e, pod) ? e.written : undefined;
    if (text === (e.pendingText ?? e.inflightText ?? written) || (!e.pendingText && !e.writing && text === statusKey(pod.status ?? {}))) return;
    if (e.pendingText !== undefined && text === e.inflightText) {
      // The newest status is the one being written: the queued one is outdated and nothing more needs writing.
      delete e.pending;
      delete e.pendingText;
      return;
    }
    e.pending = status;
    e.pendingText = text;
    if (!e.writing) e.flushing = this.#flush(uid, e);
  }

  /**
   * withLatestStatus returns the pod with the newest status this manager holds for it (queued, being written, or
   * last written) laid over the informer's, which may not show our last writes yet. Statuses computed from it keep
   * the timestamps already reported (kubelet's generateAPIPodStatus reads the status manager's copy the same way);
   * computed from a lagging informer copy they would carry new timestamps and be written again, once per watch
   * event that echoes an older write.
   */
  withLatestStatus(pod: Pod): Pod {
    const e = this.#entries.get(pod.metadata.uid ?? '');
    const latest = e?.pending ?? e?.inflight ?? (e && lagging(e, pod) ? e.writtenStatus : undefined);
    return latest ? { ...pod, status: { ...pod.status, ...latest } } : pod;
  }

  /** write is `set` that resolves once the status reached the api-server (or the write failed), for the final status before a delete. */
  async write(pod: Pod, status: PodStatus): Promise<void> {
    this.set(pod, status);
    await this.#entries.get(pod.metadata.uid ?? '')?.flushing;
  }

  /** forget drops what is known about a pod (deleted). */
  forget(uid: string): void {
    const e = this.#entries.get(uid);
    if (e && !e.writing) this.#entries.delete(uid);
  }

  /** idle resolves when no write is in flight. */
  idle(): Promise<void> {
    if (![...this.#entries.values()].some((e) => e.writing)) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  async #flush(uid: string, e: Entry): Promise<void> {
    e.writing = true;
    while (e.pending) {
      const status = e.pending;
      const text = e.pendingText!;
      delete e.pending;
      delete e.pendingText;
      e.inflight = status;
      e.inflightText = text;
      try {
        const rv = await this.#writer.patchStatus(e.namespace, e.name, uid, status);
        this.writes++;
        e.written = text;
        e.writtenStatus = status;
        if (rv) e.writtenRv = rv;
        else delete e.writtenRv;
      } catch (err) {
        if (isNotFound(err)) break;
        this.#log.warn({ err, pod: `${e.namespace}/${e.name}` }, 'pod status write failed');
        // Keep the status for the next sync to retry.
        delete e.written;
        delete e.writtenStatus;
        delete e.writtenRv;
      } finally {
        delete e.inflight;
        delete e.inflightText;
      }
    }
    e.writing = false;
    if (![...this.#entries.values()].some((x) => x.writing)) {
      const w = this.#idle;
      this.#idle = [];
      for (const f of w) f();
    }
  }
}
