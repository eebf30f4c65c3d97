/**
 * @module controller-history: ControllerRevisions of DaemonSets and StatefulSets, after kube's
 * pkg/controller/history. A revision's `data` is the strategic merge patch that puts its pod template back
 * (`{"spec":{"template":{..., "$patch":"replace"}}}`), the same patch `kubectl rollout undo` sends.
 */
import {
  controllerOf,
  CONTROLLER_REVISION_HASH_LABEL,
  isAlreadyExists,
  isNotFound,
  newControllerRef,
  RESOURCES,
  selectorFromLabelSelector,
  type ControllerRevision,
  type LabelSelector,
  type ObjectMeta,
  type PodTemplateSpec,
} from '@skiff/api';
import type { SharedInformer } from '@skiff/controller-kit';
import type { ControllerClient, ResourceApi } from '../controller-client.js';
import { canonicalJson, safeEncode } from '../controllers/deployment/pod-template-hash.js';
import type { ControllerInformers } from '../informers.js';
import { goEncodedTemplate } from './go-encoded-template.js';
import { adoptPatch } from './owner-refs.js';
import { creationMs } from './sort-by.js';

/** Kube truncates the owner's name so `<prefix>-<hash>` stays a valid name (253 minus room for the hash). */
const MAX_PREFIX = 223;

/** TemplateOwner is what a revision snapshots: a DaemonSet or StatefulSet (anything with spec.template). */
export interface TemplateOwner {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: { template: PodTemplateSpec };
}

/** revisionsApi is the ControllerRevision client (served generically, as every kind of KINDS). */
export const revisionsApi = (client: ControllerClient): ResourceApi<ControllerRevision> => client.resource(RESOURCES.controllerrevisions) as unknown as ResourceApi<ControllerRevision>;

/** revisionsInformer is the shared ControllerRevision cache. */
export const revisionsInformer = (informers: ControllerInformers): SharedInformer<ControllerRevision> =>
  informers.resources.get(RESOURCES.controllerrevisions.plural) as unknown as SharedInformer<ControllerRevision>;

/**
 * claimRevisions is ClaimControllerRevisions for selectors that cannot change (apps/v1): the revisions in the
 * owner's namespace it controls, plus orphans its selector matches, adopted (a DaemonSet or StatefulSet deleted
 * with --cascade=orphan and created again gets its history back). An owner being deleted adopts nothing.
 */
export async function claimRevisions(api: ResourceApi<ControllerRevision>, informer: SharedInformer<ControllerRevision>, owner: TemplateOwner & { spec: { selector: LabelSelector } }): Promise<ControllerRevision[]> {
  const selector = selectorFromLabelSelector(owner.spec.selector);
  const claimed: ControllerRevision[] = [];
  for (const cr of informer.indexer.list()) {
    if (cr.metadata.namespace !== owner.metadata.namespace) continue;
    const ref = controllerOf(cr);
    if (ref) {
      if (ref.uid === owner.metadata.uid) claimed.push(cr);
      continue;
    }
    if (owner.metadata.deletionTimestamp || cr.metadata.deletionTimestamp || selector.empty || !selector.matches(cr.metadata.labels)) continue;
    try {
      claimed.push(await api.patch(cr.metadata.name!, adoptPatch(cr.metadata, newControllerRef(owner)), { namespace: cr.metadata.namespace }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return claimed;
}

/**
 * templatePatch is kube's getPatch: the owner's spec.template marked `$patch: replace`, written as Go writes it
 * (goEncodedTemplate; '$patch' sorts first). `kubectl rollout undo` re-encodes the live template the same way
 * and compares the bytes with a revision's data to say "skipped rollback (current template already matches
 * revision N)"; Skiff's own JSON of the template (no creationTimestamp: null, no resources: {}, keys as written)
 * never matched.
 */
export function templatePatch(owner: TemplateOwner): Record<string, unknown> {
  return { spec: { template: { $patch: 'replace', ...goEncodedTemplate(owner.spec.template) } } };
}

/** templateOf is ApplyRevision for the template: the pod template the revision snapshots. */
export function templateOf(cr: ControllerRevision): PodTemplateSpec {
  const { $patch: _directive, ...template } = (cr.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {};
  const copy = structuredClone(template) as unknown as PodTemplateSpec;
  // The zero creationTimestamp Go writes is no timestamp.
  if (copy.metadata && (copy.metadata as { creationTimestamp?: unknown }).creationTimestamp === null) delete copy.metadata.creationTimestamp;
  return copy;
}

/**
 * sameData compares two revisions' data as bytes of their canonical JSON (kube's bytes.Equal of Data.Raw), with
 * the templates Go-encoded on both sides: a revision stored before templatePatch wrote them so still matches its
 * template, so an upgrade neither adds revisions nor rolls pods.
 */
export const sameData = (a: unknown, b: unknown): boolean => canonicalJson(goEncodedData(a)) === canonicalJson(goEncodedData(b));

function goEncodedData(data: unknown): unknown {
  const template = (data as { spec?: { template?: Record<string, unknown> } } | null | undefined)?.spec?.template;
  if (!template) return data;
  const { $patch: directive, ...rest } = template;
  return { ...(data as object), spec: { ...(data as { spec: object }).spec, template: { $patch: directive, ...goEncodedTemplate(rest) } } };
}

/** fnv32 is the 32-bit FNV-1 hash (multiply, then xor) of the UTF-8 bytes of `text`: Go's hash/fnv.New32. */
export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= byte;
  }
  return h >>> 0;
}

/** hashControllerRevision is HashControllerRevision: FNV-1 of the data, then the collision count when given. */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  let text = canonicalJson(data);
  if (collisionCount !== undefined) text += String(collisionCount);
  return safeEncode(String(fnv32(text)));
}

/** controllerRevisionName is ControllerRevisionName: `<owner>-<hash>`, the owner's name cut to 223 characters. */
export const controllerRevisionName = (prefix: string, hash: string): string => `${prefix.slice(0, MAX_PREFIX)}-${hash}`;

/** sortRevisions orders revisions by revision number, then age, then name (SortControllerRevisions), in place. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => a.revision - b.revision || creationMs(a) - creationMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** nextRevision is one past the highest revision number (1 for an owner without history). */
export const nextRevision = (revisions: readonly ControllerRevision[]): number => revisions.reduce((max, cr) => Math.max(max, cr.revision), 0) + 1;

/**
 * newControllerRevision is NewControllerRevision: the owner's template labels plus the hash label, the owner as
 * controller, the owner's annotations (kubectl reads kubernetes.io/change-cause from them), named by its hash.
 */
export function newControllerRevision(owner: TemplateOwner, data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(owner.metadata.name ?? '', hash),
      namespace: owner.metadata.namespace,
      labels: { ...owner.spec.template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(owner.metadata.annotations ? { annotations: { ...owner.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(owner)],
    },
    data,
    revision,
  };
}

/**
 * createControllerRevision is CreateControllerRevision: create the revision under its hashed name; when the name
 * is taken by a revision with the same data that one is returned, when by another the collision count goes up
 * and the name is hashed again. Returns the revision and the collision count it ended on.
 */
export async function createControllerRevision(
  api: ResourceApi<ControllerRevision>,
  owner: TemplateOwner,
  revision: ControllerRevision,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  for (;;) {
    const clone = structuredClone(revision);
    clone.metadata.name = controllerRevisionName(owner.metadata.name ?? '', hashControllerRevision(revision.data, collisionCount));
    try {
      return { revision: await api.create(clone), collisionCount };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const exists = await api.get(clone.metadata.name, { namespace: owner.metadata.namespace });
      if (sameData(exists.data, clone.data)) return { revision: exists, collisionCount };
      collisionCount++;
    }
  }
}

/** updateRevisionNumber is UpdateControllerRevision: renumber a revision (a rollback makes an old one newest). */
export async function updateRevisionNumber(api: ResourceApi<ControllerRevision>, cr: ControllerRevision, revision: number): Promise<ControllerRevision> {
  if (cr.revision === revision) return cr;
  const next = structuredClone(cr);
  next.revision = revision;
  return api.update(next);
}

/** deleteRevision deletes the revision it was given (uid precondition); one already gone is fine. */
export async function deleteRevision(api: ResourceApi<ControllerRevision>, cr: ControllerRevision): Promise<void> {
  try {
    await api.delete(cr.metadata.name!, { namespace: cr.metadata.namespace, preconditions: { uid: cr.metadata.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
