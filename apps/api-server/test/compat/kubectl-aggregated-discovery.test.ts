/**
 * Aggregated discovery against the real kubectl 1.32: with a cold cache, `kubectl api-resources` learns every
 * resource from GET /api and GET /apis alone (no per-group-version requests), and what it lists matches what
 * the legacy documents say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVED_RESOURCES } from '@skiff/api';
import { startServer, type RunningServer } from '../harness.js';
import { Kubectl } from './kubectl.js';

let s: RunningServer;
let kubectl: Kubectl;
beforeAll(async () => {
  s = await startServer();
  kubectl = new Kubectl(s.url);
});
afterAll(async () => {
  kubectl?.cleanup();
  await s?.close();
});

describe('aggregated discovery', () => {
  it('lets kubectl discover every resource with two requests', async () => {
    const r = await kubectl.run(['api-resources', '-o', 'name', '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    // kubectl -v=6 logs each request as `GET http://HOST/PATH?QUERY 200 OK in N milliseconds`.
    const gets = [...r.stderr.matchAll(/\] GET https?:\/\/[^/\s]+(\/[^?\s]*)\S* (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(gets).toEqual(['/api 200', '/apis 200']);
    const names = r.stdout.trim().split('\n').sort();
    // Every served kind and review, and the metrics API the api-server serves from the node agents.
    // A resource served in several versions (autoscaling/v2 and v1 HorizontalPodAutoscaler) is listed once.
    expect(names).toEqual([...new Set(SERVED_RESOURCES.map((ri) => (ri.group ? `${ri.plural}.${ri.group}` : ri.plural))), 'nodes.metrics.k8s.io', 'pods.metrics.k8s.io'].sort());
  });

  it('answers the aggregated media type only when asked, and the legacy document otherwise', async () => {
    const agg = await fetch(`${s.url}/apis`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(agg.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = (await agg.json()) as { kind: string; items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string; subresources?: { subresource: string }[] }[] }[] }[] };
    expect(doc.kind).toBe('APIGroupDiscoveryList');
    const apps = doc.items.find((i) => i.metadata.name === 'apps')!;
    const deployments = apps.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
    expect(deployments.scope).toBe('Namespaced');
    expect(deployments.subresources?.map((x) => x.subresource)).toEqual(['scale', 'status']);
    const legacy = await fetch(`${s.url}/apis`, { headers: { accept: 'application/json' } });
    expect(((await legacy.json()) as { kind: string }).kind).toBe('APIGroupList');
  });
});
