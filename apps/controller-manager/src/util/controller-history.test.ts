import { describe, expect, it } from 'vitest';
import type { StatefulSet } from '@skiff/api';
import { controllerRevisionName, fnv32, hashControllerRevision, newControllerRevision, sameData, templateOf, templatePatch } from './controller-history.js';

const sts: StatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
};

describe('controller history', () => {
  it('hashes with FNV-1 (hash/fnv.New32), not FNV-1a', () => {
    // Published FNV-1 32-bit test vectors; FNV-1a of "a" would be 0xe40c292c.
    expect(fnv32('')).toBe(0x811c9dc5);
    expect(fnv32('a')).toBe(0x050c5d7e);
    expect(fnv32('foobar')).toBe(0x31f0b262);
  });

  it('hashes data by its canonical JSON, so key order does not matter, and the collision count changes the hash', () => {
    expect(hashControllerRevision({ a: 1, b: 2 }, 0)).toBe(hashControllerRevision({ b: 2, a: 1 }, 0));
    expect(hashControllerRevision({ a: 1 }, 1)).not.toBe(hashControllerRevision({ a: 1 }, 0));
  });

  it('truncates the owner name to 223 characters', () => {
    expect(controllerRevisionName('x'.repeat(300), 'abc')).toBe(`${'x'.repeat(223)}-abc`);
  });

  it('stores the template as a $patch: replace patch, in the bytes Go writes, and gives the template back', () => {
    const cr = newControllerRevision(sts, templatePatch(sts), 1, 0);
    // What kube's getPatch (and kubectl's re-encoding of the live template) writes for this template.
    expect(JSON.stringify(cr.data)).toBe('{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"image":"busybox","name":"c","resources":{}}]}}}}');
    expect(templateOf(cr)).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }] } });
    expect(cr.metadata.name).toBe(`web-${hashControllerRevision(cr.data, 0)}`);
  });

  it('writes the template as Go does: keys sorted, zero omitempty fields left out, pointers and required lists kept', () => {
    const owner = structuredClone(sts);
    owner.spec.template = {
      metadata: { labels: { app: 'web' }, annotations: { b: '1', a: '2' } },
      spec: {
        securityContext: {},
        volumes: [{ name: 'd', emptyDir: {} }],
        initContainers: [],
        containers: [{ name: 'c', image: 'busybox', env: [{ name: 'E', value: '' }], volumeMounts: [{ name: 'd', mountPath: '/d', readOnly: false }], resources: { limits: { cpu: '500m' }, requests: {} }, stdin: false, ports: [{ containerPort: 80, hostPort: 0, protocol: 'TCP' }] }],
      },
    };
    expect(JSON.stringify(templatePatch(owner))).toBe(
      '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"a":"2","b":"1"},"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"env":[{"name":"E"}],"image":"busybox","name":"c","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m"}},"volumeMounts":[{"mountPath":"/d","name":"d"}]}],"securityContext":{},"volumes":[{"emptyDir":{},"name":"d"}]}}}}',
    );
  });

  it('matches a revision stored before its data was Go-encoded to the same template, and not to another', () => {
    const old = { spec: { template: { ...sts.spec.template, $patch: 'replace' } } };
    expect(sameData(old, templatePatch(sts))).toBe(true);
    const other = structuredClone(sts);
    other.spec.template.spec!.containers[0]!.image = 'busybox:1.36';
    expect(sameData(old, templatePatch(other))).toBe(false);
  });
});
