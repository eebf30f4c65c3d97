/**
 * @module VolumeManager: writes the files of a pod's configMap, secret, projected and downwardAPI volumes on the
 * node and removes them with the pod, and resolves its persistentVolumeClaim volumes to runtime volumes (kubelet's
 * volume manager, for the volume types Skiff serves).
 */
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Volume } from '@skiff/api';
import type { ConfigObjects } from '../config/config-objects.js';
import { AtomicWriter } from './atomic-writer.js';
import type { ClaimVolumes } from './claim-volumes.js';
import { isConfigVolume, isSecretVolume, volumePayload, VolumeSetupError, type Payload } from './volume-payload.js';

/** A serviceAccountToken projection's lifetime when it names none (kube's default: one hour). */
const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
const tokenKey = (audience: string | undefined, seconds: number): string => `${audience ?? ''}\n${seconds}`;

/** TMPFS_MAGIC is statfs' f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

/** VolumeManagerOptions says where volume files go and what they are made from. */
export interface VolumeManagerOptions {
  /** Directory for configMap and downwardAPI volumes (kubelet's --root-dir); the same path for the agent and Docker. */
  rootDir: string;
  /** Directory on a tmpfs for secret and projected volumes, so credentials never reach a disk. */
  tmpfsDir: string;
  objects: ConfigObjects;
  /** A downward-API field of the pod. */
  fieldRef(pod: Pod, path: string): string;
  /** The token of a serviceAccountToken projection (a TokenRequest bound to the pod; cached by the caller). */
  serviceAccountToken(pod: Pod, audience: string | undefined, expirationSeconds: number): string | Promise<string>;
  /** Told when a pod's volumes are torn down, so its cached tokens go too. */
  forgetTokens?(uid: string): void;
  /** Whether a directory is on a tmpfs; statfs by default (tests may say otherwise). */
  isTmpfs?(dir: string): Promise<boolean>;
  /** persistentVolumeClaim volumes; without it they fail to mount. */
  claims?: ClaimVolumes;
  /** Epoch milliseconds; when a volume's files were last checked on disk. Date.now by default. */
  now?: () => number;
}

/**
 * REVERIFY_MS is how long an unchanged volume goes without its files being checked on disk (and rewritten if
 * someone changed them): kubelet re-runs SetUp of these volumes on its periodic sync, about once a minute.
 */
const REVERIFY_MS = 60_000;

/** Written is the payload last written to a volume, and when its files were last checked. */
interface Written {
  payload: Payload;
  atMs: number;
}

async function statfsIsTmpfs(dir: string): Promise<boolean> {
  return (await statfs(dir)).type === TMPFS_MAGIC;
}

/** samePayload is whether two payloads hold the same paths with the same bytes and modes. */
function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, file] of b) {
    const old = a.get(path);
    if (!old || old.mode !== file.mode || !old.data.equals(file.data)) return false;
  }
  return true;
}

/**
 * VolumeManager keeps `<dir>/pods/<uid>/volumes/<name>` in step with the objects a volume reads: each setUp writes
 * every config volume of the pod through an AtomicWriter, which leaves an unchanged volume alone, so calling it on
 * every sync is how updates reach running containers. Secret and projected volumes go under `tmpfsDir` and are
 * refused (FailedMount) when it is not a tmpfs.
 */
export class VolumeManager {
  readonly #o: VolumeManagerOptions;
  readonly #tmpfsChecked = new Map<string, Promise<boolean>>();
  /** The runtime volume of each persistentVolumeClaim volume, by pod uid and volume name, once set up. */
  readonly #claimed = new Map<string, Map<string, string>>();
  /**
   * The payload last written to each config volume, by pod uid and volume name. setUp runs on every sync of the
   * pod; comparing in memory spares the directory walk and file reads of AtomicWriter's own check (a fifth of a
   * 5,000-pod simulated agent's CPU), and the files are checked on disk again after REVERIFY_MS.
   */
  readonly #written = new Map<string, Map<string, Written>>();

  constructor(opts: VolumeManagerOptions) {
    this.#o = opts;
  }

  /** dir is where a volume of the pod lives on the node (bind-mounted into its containers). */
  dir(uid: string, v: Volume): string {
    return join(isSecretVolume(v) ? this.#o.tmpfsDir : this.#o.rootDir, 'pods', uid, 'volumes', v.name);
  }

  /** claimVolume is the runtime volume a persistentVolumeClaim volume of the pod was set up as. */
  claimVolume(uid: string, v: Volume): string | undefined {
    return this.#claimed.get(uid)?.get(v.name);
  }

  /**
   * setUp writes every config volume of the pod and returns the names of those that changed. It throws a
   * VolumeSetupError with kubelet's FailedMount text for the first volume it cannot write (a missing object); the
   * others are still brought up to date.
   */
  async setUp(pod: Pod): Promise<string[]> {
    const uid = pod.metadata.uid ?? '';
    const changed: string[] = [];
    let first: VolumeSetupError | undefined;
    for (const v of pod.spec.volumes ?? []) {
      if (v.persistentVolumeClaim) {
        try {
          await this.#setUpClaim(uid, pod, v);
        } catch (err) {
          first ??= new VolumeSetupError(`Unable to attach or mount volumes: unmounted volumes=[${v.name}]: ${(err as Error).message}`, { cause: err });
        }
        continue;
      }
      if (!isConfigVolume(v)) continue;
      try {
        if (isSecretVolume(v)) await this.#requireTmpfs();
        // Tokens come from the api-server: fetched first, so the payload itself is computed in one go.
        const tokens = new Map<string, string>();
        for (const s of v.projected?.sources ?? []) {
          const t = s.serviceAccountToken;
          if (!t) continue;
          const seconds = t.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
          tokens.set(tokenKey(t.audience, seconds), await this.#o.serviceAccountToken(pod, t.audience, seconds));
        }
        const payload = volumePayload(pod, v, {
          objects: this.#o.objects,
          fieldRef: (path) => this.#o.fieldRef(pod, path),
          serviceAccountToken: (audience, seconds) => tokens.get(tokenKey(audience, seconds)) ?? '',
        });
        const now = (this.#o.now ?? Date.now)();
        const last = this.#written.get(uid)?.get(v.name);
        if (last && now - last.atMs < REVERIFY_MS && samePayload(last.payload, payload)) continue;
        if (await new AtomicWriter(this.dir(uid, v)).write(payload)) changed.push(v.name);
        let byName = this.#written.get(uid);
        if (!byName) this.#written.set(uid, (byName = new Map()));
        byName.set(v.name, { payload, atMs: now });
      } catch (err) {
        const message = `MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`;
        first ??= new VolumeSetupError(message, { cause: err });
      }
    }
    if (first) throw first;
    return changed;
  }

  /** setUpClaim resolves a claim once per pod: the volume a pod mounts does not change while it runs. */
  async #setUpClaim(uid: string, pod: Pod, v: Volume): Promise<void> {
    if (this.#claimed.get(uid)?.has(v.name)) return;
    if (!this.#o.claims) throw new Error('this node agent cannot mount persistentVolumeClaim volumes');
    const name = await this.#o.claims.setUp(pod, v);
    let byName = this.#claimed.get(uid);
    if (!byName) this.#claimed.set(uid, (byName = new Map()));
    byName.set(v.name, name);
  }

  /** tearDown removes every volume file of the pod. */
  async tearDown(uid: string): Promise<void> {
    this.#o.forgetTokens?.(uid);
    this.#claimed.delete(uid);
    this.#written.delete(uid);
    await Promise.all([this.#o.rootDir, this.#o.tmpfsDir].map((d) => rm(join(d, 'pods', uid), { recursive: true, force: true })));
  }

  /** removeOrphans removes the volume files of every pod not in `keep` (pods that went while the agent was down). */
  async removeOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    const removed = new Set<string>();
    for (const d of [this.#o.rootDir, this.#o.tmpfsDir]) {
      const uids = await readdir(join(d, 'pods')).catch(() => [] as string[]);
      for (const uid of uids.filter((u) => !keep.has(u))) {
        this.#written.delete(uid);
        await rm(join(d, 'pods', uid), { recursive: true, force: true });
        removed.add(uid);
      }
    }
    return [...removed];
  }

  async #requireTmpfs(): Promise<void> {
    const dir = this.#o.tmpfsDir;
    let check = this.#tmpfsChecked.get(dir);
    if (!check) {
      check = mkdir(dir, { recursive: true, mode: 0o700 }).then(() => (this.#o.isTmpfs ?? statfsIsTmpfs)(dir));
      this.#tmpfsChecked.set(dir, check);
    }
    if (!(await check)) throw new Error(`${dir} is not on a tmpfs, and secret files must never be written to disk (--tmpfs-dir)`);
  }
}
