/**
 * @module fieldsFor and validateFieldSelector: which fields each resource exposes to field selectors, and their values.
 */
import type { KubeObject } from '../meta.js';
import type { ResourceName } from '../resources.js';
import { ApiError } from '../status.js';
import type { FieldSelector } from './field-selector.js';

const META = ['metadata.name', 'metadata.namespace'] as const;

/**
 * FIELD_SELECTOR_FIELDS lists the selectable fields per resource, as each kube registry's GetAttrs / field label
 * conversion does; anything else is rejected with 400 so a typo does not silently select nothing.
 */
export const FIELD_SELECTOR_FIELDS: Readonly<Record<ResourceName, readonly string[]>> = {
  pods: [
    ...META,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  events: [
    ...META,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  nodes: [...META, 'spec.unschedulable'],
  namespaces: [...META, 'status.phase'],
  replicasets: [...META, 'status.replicas'],
  deployments: [...META],
  leases: [...META],
};

const ALLOWED: ReadonlyMap<string, ReadonlySet<string>> = new Map(Object.entries(FIELD_SELECTOR_FIELDS).map(([r, f]) => [r, new Set(f)]));

type Bag = Record<string, unknown> | undefined;
const obj = (v: unknown): Bag => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const bool = (v: unknown): string => (v === true ? 'true' : 'false');

/**
 * fieldsFor returns the field set a field selector is matched against. Every value is a string, and an absent
 * field is "" (a bool false, a number 0), as in kube: an unscheduled pod has `spec.nodeName` "", which is how the
 * scheduler watches `spec.nodeName=`.
 */
export function fieldsFor(resource: ResourceName, o: KubeObject): Record<string, string> {
  const meta = o.metadata;
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const base = { 'metadata.name': meta.name ?? '', 'metadata.namespace': meta.namespace ?? '' };
  switch (resource) {
    case 'pods': {
      const podIPs = status?.['podIPs'];
      const firstIP = Array.isArray(podIPs) ? str(obj(podIPs[0])?.['ip']) : '';
      return {
        ...base,
        'spec.nodeName': str(spec?.['nodeName']),
        'spec.restartPolicy': str(spec?.['restartPolicy']),
        'spec.schedulerName': str(spec?.['schedulerName']),
        'spec.serviceAccountName': str(spec?.['serviceAccountName']),
        'spec.hostNetwork': bool(spec?.['hostNetwork']),
        'status.phase': str(status?.['phase']),
        'status.podIP': firstIP || str(status?.['podIP']),
        'status.nominatedNodeName': str(status?.['nominatedNodeName']),
      };
    }
    case 'events': {
      const ref = obj(o['involvedObject']);
      return {
        ...base,
        'involvedObject.kind': str(ref?.['kind']),
        'involvedObject.namespace': str(ref?.['namespace']),
        'involvedObject.name': str(ref?.['name']),
        'involvedObject.uid': str(ref?.['uid']),
        'involvedObject.apiVersion': str(ref?.['apiVersion']),
        'involvedObject.resourceVersion': str(ref?.['resourceVersion']),
        'involvedObject.fieldPath': str(ref?.['fieldPath']),
        reason: str(o['reason']),
        reportingComponent: str(o['reportingComponent']),
        source: str(obj(o['source'])?.['component']),
        type: str(o['type']),
      };
    }
    case 'nodes':
      return { ...base, 'spec.unschedulable': bool(spec?.['unschedulable']) };
    case 'namespaces':
      return { ...base, 'status.phase': str(status?.['phase']) };
    case 'replicasets':
      return { ...base, 'status.replicas': String(typeof status?.['replicas'] === 'number' ? status['replicas'] : 0) };
    default:
      return base;
  }
}

/**
 * validateFieldSelector rejects fields the resource does not expose with kube's 400:
 * `"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"`, listing the
 * resource's fields.
 */
export function validateFieldSelector(resource: ResourceName, sel: FieldSelector): void {
  const allowed = ALLOWED.get(resource) ?? new Set<string>(META);
  for (const r of sel.requirements) {
    if (allowed.has(r.field)) continue;
    const list = [...allowed].map((f) => JSON.stringify(f)).join(', ');
    throw new ApiError({ reason: 'BadRequest', message: `${JSON.stringify(r.field)} is not a known field selector: only ${list}` });
  }
}
