/**
 * @module Types of commit-rows.js, for TypeScript projects that read this package's source without allowJs (the
 * dashboard's typecheck); commit-rows.js is checked against them (@ts-check).
 */
import type { Database } from 'better-sqlite3';

/**
 * CommitRow is one change as it is stored: `json` is the object's text after the storage transformer (encryption at
 * rest), `expiresAt` its expiry after the change (null: none, or a deletion).
 */
export type CommitRow = [revision: number, type: string, resource: string, namespace: string, name: string, ts: number, json: string, expiresAt: number | null];

/** committer prepares a commit's statements on `db` and returns what writes rows in one IMMEDIATE transaction. */
export declare function committer(db: Database): (rows: readonly CommitRow[]) => void;
