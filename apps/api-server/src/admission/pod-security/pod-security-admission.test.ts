import { describe, expect, it } from 'vitest';
import { DEFAULT_POD_SECURITY_CONFIG } from './pod-security-config.js';
import { namespacePolicy } from './pod-security-admission.js';

const defaults = DEFAULT_POD_SECURITY_CONFIG.defaults;

describe('namespacePolicy', () => {
  it('is the defaults themselves for a namespace without pod-security labels: nothing copied per pod written', () => {
    expect(namespacePolicy(undefined, defaults)).toBe(defaults);
    expect(namespacePolicy({ 'kubernetes.io/metadata.name': 'bench' }, defaults)).toBe(defaults);
  });

  it('reads each mode and version over the defaults, ignores bad values, and leaves the defaults unchanged', () => {
    const before = structuredClone(defaults);
    const p = namespacePolicy({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.30', 'pod-security.kubernetes.io/audit': 'nonsense' }, defaults);
    expect(p).toEqual({ enforce: { level: 'restricted', version: defaults.enforce.version }, audit: defaults.audit, warn: { level: defaults.warn.level, version: 'v1.30' } });
    expect(defaults).toEqual(before);
  });
});
