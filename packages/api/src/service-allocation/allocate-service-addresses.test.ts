import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../status.js';
import type { Service, ServiceType } from '../service.js';
import { allocateServiceAddresses, usesNodePorts, type ServiceRanges } from './allocate-service-addresses.js';
import { parseNodePortRange } from './node-port-range.js';
import { parseServiceIPRange } from './service-ip-range.js';

const ranges: ServiceRanges = { clusterIPs: parseServiceIPRange('10.96.0.0/28'), nodePorts: parseNodePortRange('30000-30019') };

function svc(name: string, spec: Service['spec'] = {}, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 80 }], ...spec } };
}

/** rejects asserts that `fn` throws an ApiError with this HTTP code whose message contains `message`. */
function rejects(fn: () => void, code: number, message: string): void {
  expect(fn).toThrow(expect.objectContaining({ name: 'ApiError', code, message: expect.stringContaining(message) }));
}

describe('allocateServiceAddresses', () => {
  it('hands out an address of the range, never the network or broadcast address', () => {
    const a = svc('a');
    allocateServiceAddresses(a, [], ranges);
    expect(a.spec?.clusterIP).toMatch(/^10\.96\.0\.(\d+)$/);
    const last = Number(a.spec!.clusterIP!.split('.')[3]);
    expect(last).toBeGreaterThanOrEqual(1);
    expect(last).toBeLessThanOrEqual(14);
    expect(a.spec?.clusterIPs).toEqual([a.spec?.clusterIP]);
  });

  it('gives a requested free address and refuses a taken or out-of-range one with 422 naming the field', () => {
    const a = svc('a', { clusterIP: '10.96.0.5' });
    allocateServiceAddresses(a, [], ranges);
    expect(a.spec?.clusterIP).toBe('10.96.0.5');
    rejects(() => allocateServiceAddresses(svc('b', { clusterIP: '10.96.0.5' }), [a], ranges), 422, 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated');
    rejects(() => allocateServiceAddresses(svc('c', { clusterIP: '10.96.1.5' }), [a], ranges), 422, 'The range of valid IPs is 10.96.0.0/28');
  });

  it('allocates nothing for headless and ExternalName Services', () => {
    const h = svc('h', { clusterIP: 'None' });
    allocateServiceAddresses(h, [], ranges);
    expect(h.spec?.clusterIPs).toEqual(['None']);
    const e = svc('e', { type: 'ExternalName', externalName: 'example.com' });
    allocateServiceAddresses(e, [], ranges);
    expect(e.spec?.clusterIP).toBeUndefined();
  });

  it('answers 500 "range is full" when no address is left', () => {
    const stored: Service[] = [];
    for (let i = 0; i < 14; i++) {
      const s = svc(`s${i}`);
      allocateServiceAddresses(s, stored, ranges);
      stored.push(s);
    }
    rejects(() => allocateServiceAddresses(svc('one-more'), stored, ranges), 500, 'failed to allocate a serviceIP: range is full');
  });

  it('keeps the ClusterIP and node ports on an update that leaves them out (kubectl apply of the manifest)', () => {
    const old = svc('web', { type: 'NodePort', ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] });
    allocateServiceAddresses(old, [], ranges);
    const next = svc('web', { type: 'NodePort', ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] });
    allocateServiceAddresses(next, [old], ranges, Math.random, old);
    expect(next.spec?.clusterIP).toBe(old.spec?.clusterIP);
    expect(next.spec?.ports?.map((p) => p.nodePort)).toEqual(old.spec?.ports?.map((p) => p.nodePort));
  });

  it('lets one Service use a node port for TCP and UDP but refuses it twice for one protocol, and refuses it out of range', () => {
    const dns = svc('dns', { type: 'NodePort', ports: [{ port: 53, nodePort: 30013, protocol: 'TCP' }, { port: 53, nodePort: 30013, protocol: 'UDP' }] });
    allocateServiceAddresses(dns, [], ranges);
    rejects(() => allocateServiceAddresses(svc('d', { type: 'NodePort', ports: [{ port: 1, nodePort: 30001 }, { port: 2, nodePort: 30001 }] }), [], ranges), 422, 'spec.ports[1].nodePort: Duplicate value: 30001');
    rejects(() => allocateServiceAddresses(svc('o', { type: 'NodePort', ports: [{ port: 1, nodePort: 32000 }] }), [], ranges), 422, 'spec.ports[0].nodePort: Invalid value: 32000: provided port is not in the valid range. The range of valid ports is 30000-30019');
  });

  it('frees on delete: a deleted Service\'s address and node port can be requested again', () => {
    const a = svc('a', { type: 'NodePort', clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30007 }] });
    allocateServiceAddresses(a, [], ranges);
    expect(() => allocateServiceAddresses(svc('b', { type: 'NodePort', clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30007 }] }), [a], ranges)).toThrow(ApiError);
    const b = svc('b', { type: 'NodePort', clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30007 }] });
    allocateServiceAddresses(b, [], ranges);
    expect(b.spec?.clusterIP).toBe('10.96.0.7');
  });
});

/** One step of a random history against the stored Services (the allocator's only state). */
type Op =
  | { op: 'create'; name: string; type: ServiceType; ip?: number; nodePort?: number; headless: boolean }
  | { op: 'update'; name: string; type: ServiceType }
  | { op: 'delete'; name: string };

const names = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q');
const types = fc.constantFrom<ServiceType>('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), name: names, type: types, ip: fc.option(fc.integer({ min: 0, max: 17 }), { nil: undefined }), nodePort: fc.option(fc.integer({ min: 29998, max: 30021 }), { nil: undefined }), headless: fc.boolean() }),
  fc.record({ op: fc.constant('update' as const), name: names, type: types }),
  fc.record({ op: fc.constant('delete' as const), name: names }),
);

function assertNoDoubleAllocation(stored: Service[]): void {
  const ips = stored.map((s) => s.spec?.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None');
  expect(new Set(ips).size).toBe(ips.length);
  for (const ip of ips) {
    const last = Number(ip.split('.')[3]);
    expect(ip.startsWith('10.96.0.') && last >= 1 && last <= 14).toBe(true);
  }
  const ports = stored.filter(usesNodePorts).flatMap((s) => [...new Set(s.spec?.ports?.map((p) => p.nodePort))]);
  expect(new Set(ports).size).toBe(ports.length);
  for (const p of ports) expect(p! >= 30000 && p! <= 30019).toBe(true);
}

describe('allocateServiceAddresses properties', () => {
  it('never hands out an address or node port twice over any history of creates, updates, deletes and restarts', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.integer(), (ops, seed) => {
        // The store as the api-server keeps it; a "restart" is nothing more than reading it again, which each
        // call does, so a history here is also a history across restarts.
        let stored: Service[] = [];
        const random = fc.sample(fc.double({ min: 0, max: 0.999, noNaN: true }), { numRuns: 500, seed });
        let r = 0;
        const rand = (): number => random[r++ % random.length]!;
        for (const o of ops) {
          const existing = stored.find((s) => s.metadata.name === o.name);
          if (o.op === 'delete') {
            stored = stored.filter((s) => s !== existing);
            continue;
          }
          const spec: Service['spec'] =
            o.op === 'create'
              ? {
                  type: o.type,
                  ...(o.type === 'ExternalName' ? { externalName: 'example.com' } : {}),
                  ...(o.type === 'ExternalName' ? {} : o.headless ? { clusterIP: 'None' } : o.ip !== undefined ? { clusterIP: `10.96.0.${o.ip}` } : {}),
                  ports: [{ port: 80, ...(o.nodePort ? { nodePort: o.nodePort } : {}) }, { port: 443 }],
                }
              : { ...structuredClone(existing?.spec ?? {}), type: o.type };
          if (o.op === 'update' && !existing) continue;
          if (o.op === 'create' && existing) continue;
          const next = svc(o.name, spec);
          const before = structuredClone(stored);
          try {
            allocateServiceAddresses(next, stored, ranges, rand, existing);
            stored = [...stored.filter((s) => s !== existing), next];
          } catch (err) {
            expect(err).toBeInstanceOf(ApiError);
            const e = err as ApiError;
            // A refusal is either a requested value that is taken or out of range (422) or a full range (500).
            if (e.code === 500) {
              const ipUsers = stored.filter((s) => s.spec?.clusterIP && s.spec.clusterIP !== 'None' && s !== existing).length;
              const portUsers = stored.filter((s) => usesNodePorts(s) && s !== existing).flatMap((s) => s.spec?.ports ?? []).length;
              expect(ipUsers >= 14 || portUsers >= 19).toBe(true);
            } else expect(e.code).toBe(422);
            expect(stored).toEqual(before);
          }
          assertNoDoubleAllocation(stored);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grants every free in-range request', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 14 }), fc.integer({ min: 1, max: 14 }), (held, want) => {
        const stored = held.map((n, i) => svc(`h${i}`, { clusterIP: `10.96.0.${n}`, clusterIPs: [`10.96.0.${n}`] }));
        const s = svc('want', { clusterIP: `10.96.0.${want}` });
        if (held.includes(want)) expect(() => allocateServiceAddresses(s, stored, ranges)).toThrow(/already allocated/);
        else {
          allocateServiceAddresses(s, stored, ranges);
          expect(s.spec?.clusterIP).toBe(`10.96.0.${want}`);
        }
      }),
    );
  });
});
