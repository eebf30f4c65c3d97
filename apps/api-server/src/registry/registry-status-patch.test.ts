import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, kindFor, RESOURCES, type KubeObject } from '@skiff/api';
import { MemoryStore } from '../storage/memory-store.js';
import type { PatchType } from '../patch/index.js';
import { Registry } from './registry.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

function newRegistry(): Registry {
  const registry = new Registry({ store: new MemoryStore(), clock: { now: () => NOW } });
  registry.create(RESOURCES.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return registry;
}

function createPod(registry: Registry, name: string): KubeObject {
  return registry.create(RESOURCES.pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'a' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '100m' } } }] },
  }).object;
}

/** A node agent's status report (apps/node-agent's patchStatus): the whole status as a merge patch. */
const report = (running: boolean, extra: Record<string, unknown> = {}) => ({
  status: {
    phase: running ? 'Running' : 'Pending',
    conditions: [{ type: 'Ready', status: running ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: '2026-11-30T12:00:00Z' }],
    containerStatuses: [{ name: 'c', image: 'busybox:1.36', imageID: '', ready: running, restartCount: 0, started: running, state: running ? { running: { startedAt: '2026-11-30T12:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } } }],
    ...extra,
  },
});

const patchStatus = (registry: Registry, name: string, type: PatchType, body: unknown, fieldValidation: 'Warn' | 'Strict' = 'Warn') =>
  registry.patch(RESOURCES.pods, 'default', name, type, body, { subresource: 'status', fieldManager: 'kubelet', fieldValidation });

/** Everything but what differs between two pods by name and write: their identity and resourceVersion. */
const comparable = (o: KubeObject) => {
  const { name: _n, uid: _u, resourceVersion: _rv, ...metadata } = o.metadata;
  return { ...o, metadata };
};

describe('status PATCH of a pod', () => {
  afterEach(() => vi.restoreAllMocks());

  // A status write keeps the live spec (withStatus), so decoding the spec again on every status report is work
  // thrown away: the patched status and metadata alone are decoded when the patch touches nothing else.
  it('decodes the patched status and metadata, not the live spec, for a status-only patch', () => {
    const registry = newRegistry();
    createPod(registry, 'p');
    const parse = vi.spyOn(kindFor('pods').schema, 'safeParse');
    for (const type of ['merge', 'strategic'] as const) {
      parse.mockClear();
      patchStatus(registry, 'p', type, report(type === 'strategic'));
      expect(parse).toHaveBeenCalledTimes(1);
      const input = parse.mock.calls[0]![0] as Record<string, unknown>;
      expect(Object.keys(input).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'status']);
      // Nor the live managedFields: the write keeps the stored managers and records the writer's from them.
      expect(input.metadata).not.toHaveProperty('managedFields');
      expect(input.metadata).toHaveProperty('uid');
    }
    const managers = (registry.get(RESOURCES.pods, 'default', 'p').metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers).toEqual(['kube-apiserver', 'kubelet']);
    // A patch that names managedFields is decoded with them (their errors would be the patch's).
    parse.mockClear();
    patchStatus(registry, 'p', 'merge', { ...report(true), metadata: { managedFields: [] } });
    expect(parse.mock.calls[0]![0]).toHaveProperty('metadata.managedFields');
    // A patch that names spec (ignored by the status subresource) is decoded whole, as before: its warnings and
    // errors are the whole object's.
    parse.mockClear();
    patchStatus(registry, 'p', 'merge', { ...report(true), spec: { activeDeadlineSeconds: 5 } });
    expect(Object.keys(parse.mock.calls[0]![0] as object)).toContain('spec');
  });

  it('writes what patching the whole pod writes: status, spec, managedFields, warnings, errors', () => {
    const registry = newRegistry();
    createPod(registry, 'view');
    createPod(registry, 'whole');
    // `spec: {}` merges nothing, but takes the whole-object path.
    const whole = (body: { status: unknown }) => ({ ...body, spec: {} });
    for (const [type, body] of [
      ['merge', report(false)],
      ['strategic', report(true)],
      ['merge', report(true, { podIP: '10.1.0.7' })],
    ] as const) {
      const a = patchStatus(registry, 'view', type, body);
      const b = patchStatus(registry, 'whole', type, whole(body));
      expect(comparable(a.object)).toEqual(comparable(b.object));
      expect(a.warnings).toEqual(b.warnings);
    }
    const stored = registry.get(RESOURCES.pods, 'default', 'view');
    expect((stored.status as { phase: string }).phase).toBe('Running');
    expect(stored.spec).toEqual(registry.get(RESOURCES.pods, 'default', 'whole').spec);
    expect((stored.metadata.managedFields as { manager: string; subresource?: string }[] | undefined)?.map((m) => [m.manager, m.subresource ?? ''])).toEqual([
      ['kube-apiserver', ''],
      ['kubelet', 'status'],
    ]);

    // An unknown status field: the same warning, or under Strict the same 400.
    const bogus = report(true, { bogus: 1 });
    expect(patchStatus(registry, 'view', 'merge', bogus).warnings).toEqual(['unknown field "status.bogus"']);
    expect(patchStatus(registry, 'whole', 'merge', whole(bogus)).warnings).toEqual(['unknown field "status.bogus"']);
    const strictError = (name: string, body: unknown) => {
      try {
        patchStatus(registry, name, 'merge', body, 'Strict');
      } catch (err) {
        return err instanceof ApiError ? [err.code, err.message] : err;
      }
      return 'no error';
    };
    expect(strictError('view', bogus)).toEqual([400, expect.stringContaining('strict decoding error: unknown field "status.bogus"')]);
    expect(strictError('view', bogus)).toEqual(strictError('whole', whole(bogus)));

    // A wrong JSON type in status is the same 400 as well.
    const wrongType = report(true, { phase: 7 });
    expect(strictError('view', wrongType)).toEqual(strictError('whole', whole(wrongType)));
    expect(strictError('view', wrongType)).toEqual([400, expect.stringContaining('"status.phase"')]);
  });

  it('keeps preconditions: a stale resourceVersion in the patch is a conflict', () => {
    const registry = newRegistry();
    const pod = createPod(registry, 'p');
    patchStatus(registry, 'p', 'merge', report(false));
    expect(() => patchStatus(registry, 'p', 'merge', { metadata: { resourceVersion: pod.metadata.resourceVersion }, ...report(true) })).toThrow(
      expect.objectContaining({ code: 409 }),
    );
  });

  // kube's podStatusStrategy validates a status write with ValidatePodStatusUpdate (metadata and status): a pod whose
  // stored spec today's rules refuse (written by an older server) still gets its node agent's reports.
  it('validates a status write without the spec it keeps; other writes still validate the spec', () => {
    const registry = newRegistry();
    const pod = createPod(registry, 'old');
    const key = registry.key(RESOURCES.pods, 'default', 'old');
    const legacy = { ...pod, spec: { ...(pod.spec as object), containers: [{ name: 'Not_A_DNS_Label', image: 'busybox:1.36' }] } } as KubeObject;
    registry.store.update(key, legacy, { expectedRevision: Number(pod.metadata.resourceVersion) });

    const written = patchStatus(registry, 'old', 'merge', report(true)).object;
    expect((written.status as { phase: string }).phase).toBe('Running');
    expect((written.spec as { containers: { name: string }[] }).containers[0]!.name).toBe('Not_A_DNS_Label');
    // The same write through the whole-object path (spec named in the patch, ignored by the status subresource).
    expect(patchStatus(registry, 'old', 'merge', { ...report(false), spec: {} }).object.status).toMatchObject({ phase: 'Pending' });

    // Metadata is still checked on a status write; the main resource still checks the spec.
    expect(() => registry.patch(RESOURCES.pods, 'default', 'old', 'merge', { metadata: { labels: { 'bad label': 'x' } } }, {})).toThrow(
      expect.objectContaining({ code: 422, message: expect.stringContaining('spec.containers[0].name') }),
    );
  });
});
