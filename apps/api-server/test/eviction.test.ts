/**
 * pods/eviction over HTTP against a real api-server process-in-test with SQLite: a delete that honours
 * PodDisruptionBudgets, as kube-apiserver's EvictionREST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const NS = '/api/v1/namespaces/default';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
const eviction = (name: string, deleteOptions?: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) });

/** runningPod creates a pod labelled app=`app`, binds it to node-a and reports it Running and Ready. */
async function runningPod(name: string, app: string, ready = true): Promise<void> {
  expect((await api(s.url, 'POST', `${NS}/pods`, pod(name, { metadata: { name, labels: { app } } }))).status).toBe(201);
  expect((await api(s.url, 'POST', `${NS}/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-a' } })).status).toBe(201);
  const current = (await api(s.url, 'GET', `${NS}/pods/${name}`)).body;
  current.status = { ...current.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  expect((await api(s.url, 'PUT', `${NS}/pods/${name}/status`, current)).status).toBe(200);
}

/** budget creates a PDB over app=`app` and writes the status the disruption controller would. */
async function budget(name: string, app: string, status: Record<string, unknown>, spec: Record<string, unknown> = { minAvailable: 1 }): Promise<void> {
  const created = await api(s.url, 'POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { ...spec, selector: { matchLabels: { app } } } });
  expect(created.status).toBe(201);
  const pdb = created.body;
  pdb.status = { observedGeneration: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0, ...status };
  expect((await api(s.url, 'PUT', `${PDBS}/${name}/status`, pdb)).status).toBe(200);
}

describe('pods/eviction', () => {
  it('is listed in discovery as policy/v1 Eviction, which kubectl drain looks for', async () => {
    const core = (await api(s.url, 'GET', '/api/v1')).body;
    expect(core.resources.find((r: any) => r.name === 'pods/eviction')).toMatchObject({ kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
  });

  it('deletes a pod no budget covers, with the Eviction deleteOptions (grace 0 removes it at once)', async () => {
    await runningPod('free', 'free');
    const r = await api(s.url, 'POST', `${NS}/pods/free/eviction`, eviction('free', { gracePeriodSeconds: 0 }));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success' });
    expect((await api(s.url, 'GET', `${NS}/pods/free`)).status).toBe(404);
  });

  it('refuses with 429 and a DisruptionBudget cause when the budget allows no disruption, and leaves the pod', async () => {
    await runningPod('guarded', 'guarded');
    await budget('guard', 'guarded', { disruptionsAllowed: 0 });
    const r = await api(s.url, 'POST', `${NS}/pods/guarded/eviction`, eviction('guarded'));
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ reason: 'TooManyRequests', code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget." });
    expect(r.body.details.causes).toEqual([{ reason: 'DisruptionBudget', message: 'The disruption budget guard needs 1 healthy pods and has 1 currently' }]);
    // No Retry-After: client-go would otherwise retry inside the request instead of drain reporting and retrying.
    expect(r.headers.get('retry-after')).toBeNull();
    expect(r.body.details.retryAfterSeconds).toBeUndefined();
    const p = (await api(s.url, 'GET', `${NS}/pods/guarded`)).body;
    expect(p.metadata.deletionTimestamp).toBeUndefined();
  });

  it('spends one allowed disruption: the first eviction deletes and records the pod, the second is refused', async () => {
    await runningPod('pair-1', 'pair');
    await runningPod('pair-2', 'pair');
    await budget('pair', 'pair', { currentHealthy: 2, expectedPods: 2, disruptionsAllowed: 1 });
    const first = await api(s.url, 'POST', `${NS}/pods/pair-1/eviction`, eviction('pair-1'));
    expect(first.status).toBe(201);
    // Bound: the graceful delete waits for the node agent.
    expect((await api(s.url, 'GET', `${NS}/pods/pair-1`)).body.metadata.deletionTimestamp).toBeDefined();
    const pdb = (await api(s.url, 'GET', `${PDBS}/pair`)).body;
    expect(pdb.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(pdb.status.disruptedPods)).toEqual(['pair-1']);
    expect(pdb.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' })]);
    const second = await api(s.url, 'POST', `${NS}/pods/pair-2/eviction`, eviction('pair-2'));
    expect(second.status).toBe(429);
  });

  it('answers 429 "still being processed" with Retry-After while the controller has not observed the budget', async () => {
    await runningPod('fresh', 'fresh');
    await budget('fresh', 'fresh', { observedGeneration: 0, disruptionsAllowed: 5 });
    const r = await api(s.url, 'POST', `${NS}/pods/fresh/eviction`, eviction('fresh'));
    expect(r.status).toBe(429);
    expect(r.body.details.causes[0].message).toBe('The disruption budget fresh is still being processed by the server.');
    expect(r.headers.get('retry-after')).toBe('10');
  });

  it('lets an unready pod go while the budget is met, and always with unhealthyPodEvictionPolicy AlwaysAllow', async () => {
    await runningPod('sick', 'sick', false);
    await budget('sick', 'sick', { currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
    expect((await api(s.url, 'POST', `${NS}/pods/sick/eviction`, eviction('sick'))).status).toBe(429);
    const pdb = (await api(s.url, 'GET', `${PDBS}/sick`)).body;
    pdb.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    pdb.status.observedGeneration = 2;
    expect((await api(s.url, 'PUT', `${PDBS}/sick`, pdb)).status).toBe(200);
    await api(s.url, 'PUT', `${PDBS}/sick/status`, { ...(await api(s.url, 'GET', `${PDBS}/sick`)).body, status: pdb.status });
    expect((await api(s.url, 'POST', `${NS}/pods/sick/eviction`, eviction('sick'))).status).toBe(201);
  });

  it('deletes nothing on dryRun and refuses a body naming another pod with 400', async () => {
    await runningPod('dry', 'dry');
    expect((await api(s.url, 'POST', `${NS}/pods/dry/eviction?dryRun=All`, eviction('dry', { gracePeriodSeconds: 0 }))).status).toBe(201);
    expect((await api(s.url, 'GET', `${NS}/pods/dry`)).status).toBe(200);
    const wrong = await api(s.url, 'POST', `${NS}/pods/dry/eviction`, eviction('other'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('name in URL does not match name in Eviction object');
    expect((await api(s.url, 'GET', `${NS}/pods/dry/eviction`)).status).toBe(405);
    expect((await api(s.url, 'POST', `${NS}/pods/missing/eviction`, eviction('missing'))).status).toBe(404);
  });
});

/** podEvents streams a pod's watch events from `resourceVersion` until `done` says one is the last wanted. */
async function podEvents(name: string, resourceVersion: string, done: (e: { type: string; object: any }) => boolean): Promise<Array<{ type: string; object: any }>> {
  const res = await fetch(`${s.url}${NS}/pods?watch=1&resourceVersion=${resourceVersion}&fieldSelector=metadata.name%3D${name}&timeoutSeconds=30`);
  const events: Array<{ type: string; object: any }> = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body!) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      const e = JSON.parse(line);
      events.push(e);
      // Leaving the loop cancels the stream.
      if (done(e)) return events;
    }
  }
  return events;
}

const disruptionTarget = (p: any) => p.status?.conditions?.find((c: any) => c.type === 'DisruptionTarget');

describe('pods/eviction DisruptionTarget condition', () => {
  it('marks the pod DisruptionTarget (EvictionByEvictionAPI) before its delete, visible while it terminates', async () => {
    await runningPod('marked', 'marked');
    const rv = (await api(s.url, 'GET', `${NS}/pods/marked`)).body.metadata.resourceVersion;
    const watching = podEvents('marked', rv, (e) => e.object.metadata.deletionTimestamp !== undefined);
    expect((await api(s.url, 'POST', `${NS}/pods/marked/eviction`, eviction('marked'))).status).toBe(201);
    // Bound with a grace period: the pod stays, terminating, until its node agent stops it; the condition shows.
    const p = (await api(s.url, 'GET', `${NS}/pods/marked`)).body;
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(disruptionTarget(p)).toEqual({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: expect.any(String) });
    // The condition is its own write, before the delete (kube's addConditionAndDeletePod): watchers see it first.
    const events = await watching;
    expect(events.map((e) => [e.type, disruptionTarget(e.object)?.reason, e.object.metadata.deletionTimestamp !== undefined])).toEqual([
      ['MODIFIED', 'EvictionByEvictionAPI', false],
      ['MODIFIED', 'EvictionByEvictionAPI', true],
    ]);
  });

  it('marks a pod whose budget allowed the eviction, and one held by a finalizer, and none on dryRun', async () => {
    await runningPod('budgeted', 'budgeted');
    await budget('budgeted', 'budgeted', { currentHealthy: 2, expectedPods: 2, disruptionsAllowed: 1 });
    expect((await api(s.url, 'POST', `${NS}/pods/budgeted/eviction`, eviction('budgeted', { gracePeriodSeconds: 30 }))).status).toBe(201);
    expect(disruptionTarget((await api(s.url, 'GET', `${NS}/pods/budgeted`)).body)).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' });

    // Unbound (Pending) pods go at once; a finalizer holds this one so the condition can be seen.
    expect((await api(s.url, 'POST', `${NS}/pods`, pod('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }))).status).toBe(201);
    expect((await api(s.url, 'POST', `${NS}/pods/held/eviction`, eviction('held'))).status).toBe(201);
    const held = (await api(s.url, 'GET', `${NS}/pods/held`)).body;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(disruptionTarget(held)).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
    await api(s.url, 'PATCH', `${NS}/pods/held`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });

    await runningPod('dry-marked', 'dry-marked');
    expect((await api(s.url, 'POST', `${NS}/pods/dry-marked/eviction?dryRun=All`, eviction('dry-marked'))).status).toBe(201);
    expect(disruptionTarget((await api(s.url, 'GET', `${NS}/pods/dry-marked`)).body)).toBeUndefined();
  });

  it('honours the Eviction deleteOptions preconditions: a stale uid is a 409 that writes nothing, a current resourceVersion still deletes', async () => {
    await runningPod('pre', 'pre');
    const stale = await api(s.url, 'POST', `${NS}/pods/pre/eviction`, eviction('pre', { preconditions: { uid: 'not-the-uid' } }));
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/the UID in the precondition \(not-the-uid\) does not match the UID in record/);
    const untouched = (await api(s.url, 'GET', `${NS}/pods/pre`)).body;
    expect(disruptionTarget(untouched)).toBeUndefined();
    expect(untouched.metadata.deletionTimestamp).toBeUndefined();
    // The condition write moves the resourceVersion on; the delete's precondition follows it, as in kube.
    const ok = await api(s.url, 'POST', `${NS}/pods/pre/eviction`, eviction('pre', { preconditions: { resourceVersion: untouched.metadata.resourceVersion } }));
    expect(ok.status).toBe(201);
    expect((await api(s.url, 'GET', `${NS}/pods/pre`)).body.metadata.deletionTimestamp).toBeDefined();
  });
});

describe('PodDisruptionBudget', () => {
  it('refuses minAvailable with maxUnavailable and a percentage over 100 with 422 naming the fields', async () => {
    const both = await api(s.url, 'POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: '150%', selector: {} } });
    expect(both.status).toBe(422);
    expect(both.body.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
      'spec: Invalid value: "": minAvailable and maxUnavailable cannot be both set',
      'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
  });

  it('prints kubectl get pdb columns', async () => {
    await api(s.url, 'POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'cols' }, spec: { maxUnavailable: '25%', selector: {} } });
    const t = (await api(s.url, 'GET', `${PDBS}/cols`, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['cols', 'N/A', '25%', 0]);
  });
});
