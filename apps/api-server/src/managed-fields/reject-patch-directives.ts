/**
 * @module rejectPatchDirectives: an apply configuration is a partial object, not a strategic merge patch, so a
 * `$patch`, `$retainKeys`, `$setElementOrder/...` or `$deleteFromPrimitiveList/...` key in it is an undeclared field.
 */
import { errors } from '@skiff/api';
import { itemElement, join, pathString } from './field-set.js';
import { childType, type FieldType } from './field-type.js';

const isDirective = (key: string): boolean => key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/');

/**
 * rejectPatchDirectives throws 400 naming every directive in `config`, in the words of kube's structured-merge-diff
 * ("failed to create typed patch object (NS/NAME; GROUP/VERSION, Kind=KIND): PATH: field not declared in schema").
 * kube-apiserver 1.32 answers this with 500 (kubernetes/kubernetes#139253); the message is the same, the code is
 * the 400 its fix gives. Keys of a map (labels, annotations, data) are user data and may start with '$'.
 */
export function rejectPatchDirectives(config: unknown, type: FieldType): void {
  const found: string[] = [];
  walk(config, type, '', found);
  if (!found.length) return;
  const obj = config as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
  const apiVersion = obj.apiVersion ?? '';
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  const errs = found.map((p) => `${p}: field not declared in schema`);
  const detail = errs.length === 1 ? errs[0]! : ['errors:', ...errs.map((e) => `  ${e}`)].join('\n');
  const message = `failed to create typed patch object (${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}; ${gv}, Kind=${obj.kind ?? ''}): ${detail}`;
  throw errors.badRequest(message);
}

function walk(value: unknown, t: FieldType, path: string, found: string[]): void {
  if (Array.isArray(value)) {
    if (t.t !== 'list') return;
    for (const item of value) walk(item, t.elem, join(path, itemElement(t, item)), found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    const p = join(path, 'f:' + k);
    if (t.t !== 'map' && isDirective(k)) found.push(pathString(p));
    else walk(v, childType(t, k), p, found);
  }
}
