/**
 * @module Pod update rules (core/validation ValidatePodUpdate): a running pod's spec is nearly immutable.
 */
import { cloneJson } from '../clone-json.js';
import type { Pod, PodSpec } from '../pod.js';
import type { FieldErrors } from './field-errors.js';

/** POD_UPDATE_FORBIDDEN is Kubernetes' message for spec changes outside the mutable fields. */
export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * validatePodUpdate checks a pod spec change. It replays the allowed changes onto a copy of the old spec and
 * then requires the copy to equal the new spec, so any other difference is reported once, as Kubernetes does.
 */
export function validatePodUpdate(pod: Pod, old: Pod, errs: FieldErrors): void {
  const spec = pod.spec;
  // An unchanged spec (a status write, a PUT of labels or annotations) replays to itself and passes every rule
  // below, which compare a value only with itself then: one comparison instead of a copy, the replay and the
  // comparison. Ephemeral containers are matched by name, so they take the general path.
  if (!old.spec.ephemeralContainers?.length && deepEqual(spec, old.spec)) return;
  const replay: PodSpec = cloneJson(old.spec);

  replayImages(replay.containers, spec.containers);
  if (replay.initContainers && spec.initContainers) replayImages(replay.initContainers, spec.initContainers);

  if (spec.activeDeadlineSeconds !== undefined) {
    const prev = old.spec.activeDeadlineSeconds;
    if (prev !== undefined && spec.activeDeadlineSeconds > prev) {
      errs.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value');
      return;
    }
    replay.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  } else if (old.spec.activeDeadlineSeconds !== undefined) {
    errs.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value');
    return;
  }

  const oldTolerations = old.spec.tolerations ?? [];
  const keepsAll = oldTolerations.every((t) => (spec.tolerations ?? []).some((n) => deepEqual(t, n)));
  if (keepsAll) setOrDelete(replay, 'tolerations', spec.tolerations);

  const oldGrace = old.spec.terminationGracePeriodSeconds;
  const graceMayChange = (oldGrace !== undefined && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1) || !!pod.metadata.deletionTimestamp;
  if (graceMayChange) setOrDelete(replay, 'terminationGracePeriodSeconds', spec.terminationGracePeriodSeconds);

  if (!old.spec.nodeName) setOrDelete(replay, 'nodeName', spec.nodeName);
  else if (spec.nodeName !== old.spec.nodeName) {
    errs.immutable('spec.nodeName', spec.nodeName ?? '');
    setOrDelete(replay, 'nodeName', spec.nodeName);
  }

  // Only pods/ephemeralcontainers changes them (the main resource keeps the stored ones): additions only.
  const added = spec.ephemeralContainers ?? [];
  (old.spec.ephemeralContainers ?? []).forEach((o) => {
    const i = added.findIndex((n) => n.name === o.name);
    if (i < 0) errs.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(o.name)} may not be removed`);
    else if (!deepEqual(added[i], o)) errs.forbidden(`spec.ephemeralContainers[${i}]`, `existing ephemeral containers ${JSON.stringify(o.name)} may not be changed`);
  });
  setOrDelete(replay, 'ephemeralContainers', spec.ephemeralContainers);

  if (!deepEqual(replay, spec)) errs.forbidden('spec', POD_UPDATE_FORBIDDEN);
}

function replayImages(target: { name: string; image?: string }[], source: { name: string; image?: string }[]): void {
  target.forEach((c, i) => {
    const next = source[i];
    if (next && next.name === c.name) setOrDelete(c, 'image', next.image);
  });
}

function setOrDelete<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

/** deepEqual compares JSON values; absent and undefined members are the same, as after a JSON round trip. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
