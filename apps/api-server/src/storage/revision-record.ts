/**
 * @module The sidecar file beside skiff.db that vouches for the newest committed revision, so a start-up can tell
 * that the database went backwards or vanished.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { hash } from 'node:crypto';
import { dirname } from 'node:path';

/**
 * Two slots, each in its own 512-byte sector, written in turn: a write torn by a crash can only damage the slot
 * being written, and the other still holds the previous revision. A slot is magic, revision, and 8 bytes of
 * SHA-256 over the two.
 */
const SLOT_BYTES = 512;
const MAGIC = Buffer.from('SKIFFREV');
const BODY_BYTES = 16;
const SUM_BYTES = 8;

/**
 * RevisionRecord keeps the newest committed revision in a small file of its own (`<db>-revision`). SQLite silently
 * starts from whatever survives: a 0-byte file is an empty database, a missing or truncated WAL is older state. The
 * record lives outside both, so comparing it with what the database holds after opening shows the loss.
 *
 * `write` runs after the database commit and before the commit is acknowledged, so the record is never ahead of a
 * healthy database (a crash between the two leaves it one batch behind, and that batch was never acknowledged) and
 * never behind an acknowledged revision. It overwrites one slot in place (the file never changes size) and leaves
 * the page to the kernel; `flush` fdatasyncs it, which the store does at most once a second. Trade-off: an fsync
 * per commit would double the cost of a commit under synchronous=FULL (bench/sqlite-commit.mjs: about +1 ms a
 * commit, +70-100%), and it only matters after an OS crash or power loss: a killed process, or files damaged while
 * the machine stays up, see the written page. After a power loss the record may lag by the commits of the last
 * second; a loss is still detected unless it lies entirely within that second.
 */
export class RevisionRecord {
  private next = 0;
  private dirty = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** The revision the record vouched for when opened. */
    readonly revision: number,
  ) {}

  /** pathFor names the record of database `dbPath`. */
  static pathFor(dbPath: string): string {
    return `${dbPath}-revision`;
  }

    /**
   * open opens the record at `path` for `write`: undefined when there is none (a fresh data directory, or a
   * database from a Skiff without records). Throws when the file exists and no slot is valid.
   */
  static open(path: string): RevisionRecord | undefined {
    if (!existsSync(path)) return undefined;
    const data = readFileSync(path);
    const slots = [0, 1].map((i) => decodeSlot(data.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES)));
    const [a, b] = slots;
    if (a === undefined && b === undefined) {
      throw new Error(`revision record ${path} is damaged, so it cannot vouch that skiff.db is whole`);
    }
    const newest = b === undefined || (a !== undefined && a >= b) ? 0 : 1;
    const record = new RevisionRecord(path, openSync(path, 'r+'), slots[newest] as number);
    // The first write goes to the other slot: tearing it must not damage the newest revision.
    record.next = 1 - newest;
    return record;
  }

  /**
   * create (re)writes the record at `path` with `revision` in both slots, atomically (temporary file, fsync,
   * rename, fsync of the directory), and opens it for `write`.
   */
  static create(path: string, revision: number): RevisionRecord {
    const tmp = `${path}.tmp`;
    const tmpFd = openSync(tmp, 'w');
    try {
      const slot = encodeSlot(revision);
      writeSync(tmpFd, slot, 0, SLOT_BYTES, 0);
      writeSync(tmpFd, slot, 0, SLOT_BYTES, SLOT_BYTES);
      fsyncSync(tmpFd);
    } finally {
      closeSync(tmpFd);
    }
    renameSync(tmp, path);
    fsyncDir(dirname(path));
    return new RevisionRecord(path, openSync(path, 'r+'), revision);
  }

  /** write records `revision` as committed, in the page cache: every process sees it, a power loss may not. */
  write(revision: number): void {
    const slot = this.next;
    writeSync(this.fd, encodeSlot(revision), 0, SLOT_BYTES, slot * SLOT_BYTES);
    this.next = 1 - slot;
    this.dirty = true;
  }

  /** flush puts what was written on disk. */
  flush(): void {
    if (!this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
  }

  /** close flushes and closes the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

function encodeSlot(revision: number): Buffer {
  const slot = Buffer.alloc(SLOT_BYTES);
  MAGIC.copy(slot, 0);
  slot.writeBigUInt64LE(BigInt(revision), MAGIC.length);
  checksum(slot.subarray(0, BODY_BYTES)).copy(slot, BODY_BYTES);
  return slot;
}

function decodeSlot(slot: Buffer): number | undefined {
  if (slot.length < BODY_BYTES + SUM_BYTES || !slot.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!checksum(slot.subarray(0, BODY_BYTES)).equals(slot.subarray(BODY_BYTES, BODY_BYTES + SUM_BYTES))) return undefined;
  return Number(slot.readBigUInt64LE(MAGIC.length));
}

function checksum(body: Buffer): Buffer {
  // The one-shot hash: once a commit, a hash object and its digest were a measurable part of the commit's end.
  return hash('sha256', body, 'buffer').subarray(0, SUM_BYTES);
}

/** fsyncDir makes a rename in `dir` durable. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
