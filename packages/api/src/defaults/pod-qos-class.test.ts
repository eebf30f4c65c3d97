import { describe, expect, it } from 'vitest';
import type { Container } from '../pod.js';
import { podQOSClass } from './pod-qos-class.js';

const pod = (...containers: Partial<Container>[]) => ({ spec: { containers: containers.map((c, i) => ({ name: `c${i}`, ...c })) } });
const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({
  resources: { ...(requests && { requests }), ...(limits && { limits }) },
});

describe('podQOSClass', () => {
  it.each([
    ['no resources', pod({}), 'BestEffort'],
    ['zero requests only', pod(res({ cpu: '0' })), 'BestEffort'],
    ['equal requests and limits', pod(res({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })), 'Guaranteed'],
    ['limits only (requests default to them)', pod(res(undefined, { cpu: '500m', memory: '128Mi' })), 'Guaranteed'],
    ['equal in different notation', pod(res({ cpu: '0.5', memory: '1024Mi' }, { cpu: '500m', memory: '1Gi' })), 'Guaranteed'],
    ['cpu limit only', pod(res(undefined, { cpu: '1' })), 'Burstable'],
    ['request below limit', pod(res({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })), 'Burstable'],
    ['requests only', pod(res({ memory: '64Mi' })), 'Burstable'],
    ['one guaranteed, one best-effort container', pod(res(undefined, { cpu: '1', memory: '1Gi' }), {}), 'Burstable'],
    ['non-QoS resources ignored', pod(res({ 'example.com/gpu': '1' })), 'BestEffort'],
  ])('%s', (_name, p, qos) => {
    expect(podQOSClass(p)).toBe(qos);
  });
});
