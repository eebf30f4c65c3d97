import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from './certificate-signing-request.js';
import { causesOf, validateUpdate } from './kind-test-helpers.js';

const csr = (conditions: CertificateSigningRequestCondition[]): CertificateSigningRequest => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c', uid: 'u', resourceVersion: '5' },
  spec: { request: '', signerName: 'example.com/signer', usages: ['client auth'] },
  status: { conditions },
});

// Stored before validation was this strict: an empty type, Failed twice, Approved with Denied.
const legacy: CertificateSigningRequestCondition[] = [
  { type: '', status: 'True' },
  { type: 'Failed', status: 'True' },
  { type: 'Failed', status: 'True' },
  { type: 'Approved', status: 'True' },
  { type: 'Denied', status: 'True' },
];

describe('CertificateSigningRequest conditions (kube validateConditions)', () => {
  it('refuses an empty type, a repeated type and Approved with Denied on a clean object', () => {
    expect(causesOf(() => validateUpdate('certificatesigningrequests', csr(legacy), csr([])))).toEqual([
      'status.conditions[0].type: Required value',
      'status.conditions[2].type: Duplicate value: "Failed"',
      'status.conditions[4].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    ]);
  });

  it('tolerates them on an update when the stored object already has them, still requiring a status', () => {
    const next = csr([...legacy, { type: 'Custom', status: '' }]);
    expect(causesOf(() => validateUpdate('certificatesigningrequests', next, csr(legacy)))).toEqual(['status.conditions[5].status: Required value']);
  });
});
