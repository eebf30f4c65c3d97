/**
 * kubectl 1.32 `autoscale` POSTs an autoscaling/v1 HorizontalPodAutoscaler (as protobuf); the api-server stores it
 * as autoscaling/v2 and serves both versions of the one object, converting as kube-apiserver does.
 *
 * kubectl 1.32 drops the version of a short name (`hpa.v1.autoscaling` reads the preferred v2: its shortcut expander
 * rebuilds the resource without it), so v1 is named here by its full resource name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../harness.js';
import { columns, Kubectl, type LineStream } from './kubectl.js';

const V1 = 'horizontalpodautoscalers.v1.autoscaling';
const V1_PATH = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const V2_PATH = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';

let s: RunningServer;
let k: Kubectl;
const streams: LineStream[] = [];
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  k = new Kubectl(s.url);
});
afterAll(async () => {
  for (const w of streams) w.kill();
  k?.cleanup();
  await s?.close();
});

const kubectl = (...args: string[]): Promise<string> => k.output(args);

const event = (line: string): { type: string; object: any } => JSON.parse(line);

describe('kubectl 1.32 and autoscaling/v1 HorizontalPodAutoscalers', () => {
  it('autoscales a Deployment: stored as v2 with the cpu Utilization metric, read back in v1 with targetCPUUtilizationPercentage', async () => {
    await kubectl('create', 'deployment', 'web', '--image=busybox:1.36');
    const watch = k.stream(['get', '--raw', `${V1_PATH}?watch=1`]);
    streams.push(watch);

    const verbose = await k.run(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5', '-v=8']);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout).toContain('horizontalpodautoscaler.autoscaling/web autoscaled');
    // What the fix is about: kubectl's typed client writes the v1 object as protobuf to the v1 path.
    expect(verbose.stderr).toContain(`POST ${s.url}${V1_PATH}?fieldManager=kubectl-autoscale`);
    expect(verbose.stderr).toMatch(/Content-Type: application\/vnd\.kubernetes\.protobuf/);

    const table = (await kubectl('get', 'hpa')).trim().split('\n').map(columns);
    expect(table[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(table[1]?.slice(0, 5)).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/50%', '1', '5']);

    const v1 = JSON.parse(await kubectl('get', V1, 'web', '-o', 'json'));
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(v1.metadata.annotations).toBeUndefined();

    const v2 = (await api(s.url, 'GET', `${V2_PATH}/web`)).body;
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    expect(v2.spec.targetCPUUtilizationPercentage).toBeUndefined();

    const added = event(await watch.waitForLine(/"ADDED"/));
    expect(added.object.apiVersion).toBe('autoscaling/v1');
    expect(added.object.spec.targetCPUUtilizationPercentage).toBe(50);
  });

  it('keeps what v1 cannot say (other metrics, behavior, current metrics, conditions) across v1 patches and a v1 replace', async () => {
    const watch = k.stream(['get', V1, '-w', '--output-watch-events', '-o', 'jsonpath={.type} {.object.apiVersion} {.object.spec.targetCPUUtilizationPercentage} {.object.status.currentCPUUtilizationPercentage}{"\\n"}']);
    streams.push(watch);
    await watch.waitForLine(/^ADDED autoscaling\/v1 50/);

    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    const patched = await api(s.url, 'PATCH', `${V2_PATH}/web`, { spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }, memory], behavior } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const status = {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 72, averageValue: '72m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-11-30T09:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
    };
    const written = await api(s.url, 'PATCH', `${V2_PATH}/web/status`, { status }, { 'Content-Type': 'application/merge-patch+json' });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    await watch.waitForLine(/^MODIFIED autoscaling\/v1 50 72$/);

    // The v1 view: the cpu metric as fields, everything else in kube's annotations.
    const v1 = JSON.parse(await kubectl('get', V1, 'web', '-o', 'json'));
    expect(v1.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 72 });
    const annotations = v1.metadata.annotations;
    expect(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    expect(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/current-metrics'])).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 72, currentAverageValue: '72m' } }]);
    expect(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/conditions'])).toEqual(status.conditions);
    expect(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/behavior'])).toMatchObject({ ScaleDown: { StabilizationWindowSeconds: 60, SelectPolicy: 'Min', Policies: [{ Type: 'Pods', Value: 1, PeriodSeconds: 30 }] } });

    // A merge patch and a strategic merge patch in v1 change the cpu target and maxReplicas, and lose nothing.
    expect(await kubectl('patch', V1, 'web', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":60}}')).toContain('horizontalpodautoscaler.autoscaling/web patched');
    await watch.waitForLine(/^MODIFIED autoscaling\/v1 60 72$/);
    expect(await kubectl('patch', V1, 'web', '-p', '{"spec":{"maxReplicas":7}}')).toContain('patched');
    // A replace of what v1 showed (annotations and all), as `kubectl edit` would send it.
    const current = JSON.parse(await kubectl('get', V1, 'web', '-o', 'json'));
    current.spec.minReplicas = 2;
    const replaced = await api(s.url, 'PUT', `${V1_PATH}/web`, current);
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.apiVersion).toBe('autoscaling/v1');
    expect(replaced.body.spec).toMatchObject({ minReplicas: 2, maxReplicas: 7, targetCPUUtilizationPercentage: 60 });

    const v2 = (await api(s.url, 'GET', `${V2_PATH}/web`)).body;
    expect(v2.metadata.annotations).toBeUndefined();
    expect(v2.spec).toMatchObject({ minReplicas: 2, maxReplicas: 7, behavior: { scaleDown: behavior.scaleDown } });
    expect(v2.spec.metrics).toEqual([memory, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(v2.status).toMatchObject({ currentMetrics: status.currentMetrics, conditions: status.conditions });

    // The Table is printed from the stored object; TARGETS pairs statuses with metrics by position, as kube's printer does.
    const table = (await kubectl('get', V1)).trim().split('\n').map(columns);
    expect(table[1]?.slice(0, 5)).toEqual(['web', 'Deployment/web', 'memory: 72m/100Mi, cpu: <unknown>/60%', '2', '7']);
  });

  it('lists in v1, refuses a v2 body on the v1 path, and deletes through v1 with a DELETED event in v1', async () => {
    const list = (await api(s.url, 'GET', V1_PATH)).body;
    expect(list).toMatchObject({ kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1' });
    expect(list.items.map((i: any) => [i.apiVersion, i.spec.targetCPUUtilizationPercentage])).toEqual([['autoscaling/v1', 60]]);

    const wrong = await api(s.url, 'POST', V1_PATH, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 2 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('the API version in the data (autoscaling/v2) does not match the expected API version (autoscaling/v1)');
    const strict = await api(s.url, 'POST', `${V1_PATH}?fieldValidation=Strict`, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 2, metrics: [] } });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.metrics"');

    // A Table watch (kubectl get -w) prints from the stored object and embeds it in v1.
    const ac = new AbortController();
    const tableWatch = await fetch(`${s.url}${V1_PATH}?watch=1&includeObject=Object`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, signal: ac.signal });
    const reader = tableWatch.body!.getReader();
    let text = '';
    while (!text.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    ac.abort();
    const row = JSON.parse(text.slice(0, text.indexOf('\n'))).object.rows[0];
    expect(row.cells.slice(0, 3)).toEqual(['web', 'Deployment/web', 'memory: 72m/100Mi, cpu: <unknown>/60%']);
    expect(row.object).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 60 } });

    const watch = k.stream(['get', '--raw', `${V1_PATH}?watch=1`]);
    streams.push(watch);
    await watch.waitForLine(/"ADDED"/);
    expect(await kubectl('delete', V1, 'web')).toContain('deleted');
    const deleted = event(await watch.waitForLine(/"DELETED"/));
    expect(deleted.object.apiVersion).toBe('autoscaling/v1');
    expect(deleted.object.spec.targetCPUUtilizationPercentage).toBe(60);
  });

  it('creates from a v1 manifest and applies one server-side, the configuration converted to the stored version', async () => {
    const manifest = (cpu: number, max: number) =>
      `apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: ${max}\n  targetCPUUtilizationPercentage: ${cpu}\n`;
    expect(await kubectl('create', '-f', k.writeFile('hpa-v1.yaml', manifest(40, 3)))).toContain('horizontalpodautoscaler.autoscaling/api created');
    expect((await api(s.url, 'GET', `${V2_PATH}/api`)).body.spec).toMatchObject({ minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 40 } } }] });
    expect(await kubectl('apply', '--server-side', '--force-conflicts', '-f', k.writeFile('hpa-v1-applied.yaml', manifest(70, 4)))).toContain('serverside-applied');
    const v2 = (await api(s.url, 'GET', `${V2_PATH}/api`)).body;
    expect(v2.spec).toMatchObject({ maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] });
    expect(v2.metadata.managedFields.map((m: any) => m.manager)).toContain('kubectl');
    expect(JSON.parse(await kubectl('get', V1, 'api', '-o', 'json')).spec.targetCPUUtilizationPercentage).toBe(70);
  });

  it('lists autoscaling v2 (preferred) and v1 in discovery, with one storage version hash, and explains v1 from its OpenAPI schema', async () => {
    const groups = (await api(s.url, 'GET', '/apis')).body.groups;
    expect(groups.find((g: any) => g.name === 'autoscaling')).toEqual({
      name: 'autoscaling',
      versions: [{ groupVersion: 'autoscaling/v2', version: 'v2' }, { groupVersion: 'autoscaling/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
    const aggregated = (await api(s.url, 'GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).body;
    const autoscaling = aggregated.items.find((g: any) => g.metadata.name === 'autoscaling');
    expect(autoscaling.versions.map((v: any) => v.version)).toEqual(['v2', 'v1']);
    expect(autoscaling.versions[1].resources[0]).toMatchObject({ resource: 'horizontalpodautoscalers', responseKind: { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' }, shortNames: ['hpa'] });
    const hash = async (v: string) => (await api(s.url, 'GET', `/apis/autoscaling/${v}`)).body.resources.find((r: any) => r.name === 'horizontalpodautoscalers').storageVersionHash;
    expect(await hash('v1')).toBe(await hash('v2'));

    const explained = await kubectl('explain', 'hpa.spec.targetCPUUtilizationPercentage', '--api-version=autoscaling/v1');
    expect(explained).toMatch(/VERSION:\s+v1/);
    expect(explained).toMatch(/FIELD:\s+targetCPUUtilizationPercentage <integer>/);
  });
});
