/**
 * @module ResourcePrinter, the per-kind column set and row function behind printTable, plus the helpers they share.
 */
import type { Printer } from '../kinds/kind.js';
import type { TableColumnDefinition } from '../table.js';

/** ResourcePrinter is a kind's Table printer; see Printer in kinds/kind.ts. */
export type ResourcePrinter = Printer;

/** NONE is what kubectl shows for an empty cell. */
export const NONE = '<none>';

/** orNone turns an empty or missing string into "<none>". */
export function orNone(value: string | null | undefined): string {
  return value ? value : NONE;
}

/** column builds a TableColumnDefinition; wide columns get priority 1. */
export function column(
  name: string,
  description: string,
  opts: { type?: TableColumnDefinition['type']; format?: string; wide?: boolean } = {},
): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

/** NAME_COLUMN is the Name column every kind but Event starts with. */
export const NAME_COLUMN = column(
  'Name',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
  { format: 'name' },
);

/** AGE_COLUMN shows metadata.creationTimestamp as a human duration. */
export const AGE_COLUMN = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is represented in RFC3339 form and is in UTC.',
);

/** CONTAINERS_COLUMN, IMAGES_COLUMN: the wide template columns of deployments and replicasets. */
export const CONTAINERS_COLUMN = column('Containers', 'Names of each container in the template.', { wide: true });
export const IMAGES_COLUMN = column('Images', 'Images referenced by each container in the template.', { wide: true });

/** containerCells joins container names and images with commas, as kube's layoutContainerCells does. */
export function containerCells(containers: readonly { name: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [orNone(list.map((c) => c.name).join(',')), orNone(list.map((c) => c.image ?? '').join(','))];
}
