import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POD_SECURITY_CONFIG, parsePodSecurityConfiguration, readAdmissionConfig } from './pod-security-config.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-psa-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PodSecurityConfiguration', () => {
  it('enforces baseline by default and exempts kube-system', () => {
    expect(DEFAULT_POD_SECURITY_CONFIG.defaults.enforce).toEqual({ level: 'baseline', version: 'latest' });
    expect(DEFAULT_POD_SECURITY_CONFIG.exemptions.namespaces).toEqual(['kube-system']);
  });

  it('reads the configuration from the file a plugin entry points to, relative to the AdmissionConfiguration', () => {
    writeFileSync(join(dir, 'psa.yaml'), 'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: restricted\n  enforce-version: v1.30\nexemptions:\n  usernames: [ci-bot]\n');
    const file = join(dir, 'admission.yaml');
    writeFileSync(file, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psa.yaml\n');
    const c = readAdmissionConfig(file);
    expect(c.defaults.enforce).toEqual({ level: 'restricted', version: 'v1.30' });
    expect(c.defaults.warn).toEqual({ level: 'baseline', version: 'latest' });
    expect(c.exemptions).toEqual({ usernames: ['ci-bot'], namespaces: [], runtimeClasses: [] });
  });

  it('keeps the defaults when the file has no PodSecurity entry, refuses other kinds and bad fields', () => {
    const file = join(dir, 'other.yaml');
    writeFileSync(file, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: [{name: EventRateLimit, path: x.yaml}]\n');
    expect(readAdmissionConfig(file)).toEqual(DEFAULT_POD_SECURITY_CONFIG);
    writeFileSync(file, 'kind: Config\n');
    expect(() => readAdmissionConfig(file)).toThrow(`${file}: kind must be AdmissionConfiguration`);
    expect(() => parsePodSecurityConfiguration({ defaults: { 'warn-version': '1.30' } }, 'f')).toThrow('f: defaults.warn-version must be "latest" or "v1.<minor>"');
    expect(() => parsePodSecurityConfiguration({ exemptions: { namespaces: 'kube-system' } }, 'f')).toThrow('f: exemptions.namespaces must be a list of strings');
  });
});
