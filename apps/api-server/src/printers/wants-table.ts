/**
 * @module wantsTable, content negotiation for server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
 */
import type { Table } from '@skiff/api';

/** TableApiVersion is the Table group/version a client asked for. */
export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

/** VersionedTable is a Table that may carry the older meta.k8s.io/v1beta1 apiVersion. */
export type VersionedTable = Omit<Table, 'apiVersion'> & { apiVersion: TableApiVersion };

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((clause) => {
      const [type = '', ...rest] = clause.split(';').map((s) => s.trim());
      const params = new Map<string, string>();
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, ''));
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((r) => r.type !== '');
}

const JSONISH = new Set(['application/json', 'application/*', '*/*']);
const YAMLISH = new Set(['application/yaml']);

/** AsKind is a meta.k8s.io view of objects a client may ask for instead of the objects themselves. */
export type AsKind = 'Table' | 'PartialObjectMetadata';

/**
 * negotiateAs picks the response format the way kube-apiserver negotiates, walking the Accept clauses in order:
 * the first clause we can serve decides. A Table or metadata-only clause (`as=Table` / `as=PartialObjectMetadata`
 * or `PartialObjectMetadataList`, `g=meta.k8s.io;v=v1|v1beta1`; any media type, since the body is encoded as JSON or
 * YAML anyway) yields its kind and version; a plain clause yields undefined (send the object or List); clauses we
 * cannot serve (protobuf, other `as=` kinds) are skipped.
 */
export function negotiateAs(accept: string | undefined): { as: AsKind; apiVersion: TableApiVersion } | undefined {
  if (!accept) return undefined;
  for (const range of parseAccept(accept)) {
    const as = range.params.get('as');
    if (as === undefined) {
      if (JSONISH.has(range.type) || YAMLISH.has(range.type)) return undefined;
      continue;
    }
    if (range.params.get('g') !== 'meta.k8s.io') continue;
    const kind: AsKind | undefined = as === 'Table' ? 'Table' : as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList' ? 'PartialObjectMetadata' : undefined;
    const v = range.params.get('v');
    if (kind && (v === 'v1' || v === 'v1beta1')) return { as: kind, apiVersion: `meta.k8s.io/${v}` };
  }
  return undefined;
}

/** tableApiVersion is the Table version the Accept header asks for, if it asks for a Table. */
export function tableApiVersion(accept: string | undefined): TableApiVersion | undefined {
  const n = negotiateAs(accept);
  return n?.as === 'Table' ? n.apiVersion : undefined;
}

/** metadataApiVersion is the PartialObjectMetadata version the Accept header asks for (metadata-only reads). */
export function metadataApiVersion(accept: string | undefined): TableApiVersion | undefined {
  const n = negotiateAs(accept);
  return n?.as === 'PartialObjectMetadata' ? n.apiVersion : undefined;
}

/** wantsYaml is true when the first Accept clause we can serve is application/yaml (kube answers YAML then). */
export function wantsYaml(accept: string | undefined): boolean {
  // Every response asks: a header that cannot name application/yaml (client-go's JSON ones) is not parsed.
  if (!accept || !/yaml/i.test(accept)) return false;
  for (const range of parseAccept(accept)) {
    if (YAMLISH.has(range.type)) return true;
    if (JSONISH.has(range.type)) return false;
  }
  return false;
}

/** wantsTable is true when the Accept header asks for a meta.k8s.io v1 or v1beta1 Table. */
export function wantsTable(accept: string | undefined): boolean {
  return tableApiVersion(accept) !== undefined;
}

/**
 * withTableVersion relabels a printed Table (and its PartialObjectMetadata rows) for a client that asked for
 * meta.k8s.io/v1beta1; v1 Tables are returned unchanged.
 */
export function withTableVersion(table: Table, apiVersion: TableApiVersion): VersionedTable {
  if (apiVersion === 'meta.k8s.io/v1') return table;
  return {
    ...table,
    apiVersion,
    rows: table.rows.map((row) =>
      row.object && row.object['kind'] === 'PartialObjectMetadata' ? { ...row, object: { ...row.object, apiVersion } } : row,
    ),
  };
}
