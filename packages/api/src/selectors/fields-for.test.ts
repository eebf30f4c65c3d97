import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import { isBadRequest } from '../status.js';
import { parseFieldSelector } from './field-selector.js';
import { fieldsFor, validateFieldSelector } from './fields-for.js';

const pod = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [], ...spec },
  ...(status ? { status } : {}),
});

describe('fieldsFor', () => {
  it('gives pods their selectable fields with "" for missing ones', () => {
    expect(fieldsFor('pods', pod({}))).toEqual({
      'metadata.name': 'p',
      'metadata.namespace': 'default',
      'spec.nodeName': '',
      'spec.restartPolicy': '',
      'spec.schedulerName': '',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'false',
      'status.phase': '',
      'status.podIP': '',
      'status.nominatedNodeName': '',
    });
    const bound = fieldsFor(
      'pods',
      pod(
        { nodeName: 'n1', restartPolicy: 'Never', schedulerName: 'default-scheduler', serviceAccountName: 'sa', hostNetwork: true },
        { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.2' }], nominatedNodeName: 'n2' },
      ),
    );
    expect(bound).toMatchObject({
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Never',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'sa',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.2',
      'status.nominatedNodeName': 'n2',
    });
  });

  it('lets the scheduler select unscheduled pods with spec.nodeName=', () => {
    const sel = parseFieldSelector('spec.nodeName=');
    expect(sel.matches(fieldsFor('pods', pod({})))).toBe(true);
    expect(sel.matches(fieldsFor('pods', pod({ nodeName: 'n1' })))).toBe(false);
  });

  it('gives events their involvedObject fields, reason, source and type', () => {
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'nginx', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{a}' },
      reason: 'Scheduled',
      reportingComponent: 'skiff-scheduler',
      source: { component: 'default-scheduler' },
      type: 'Normal',
    };
    const f = fieldsFor('events', ev);
    expect(f).toMatchObject({
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'default',
      'involvedObject.name': 'nginx',
      'involvedObject.uid': 'u1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '7',
      'involvedObject.fieldPath': 'spec.containers{a}',
      reason: 'Scheduled',
      reportingComponent: 'skiff-scheduler',
      source: 'default-scheduler',
      type: 'Normal',
    });
    const describe = parseFieldSelector('involvedObject.name=nginx,involvedObject.namespace=default,involvedObject.uid=u1');
    validateFieldSelector('events', describe);
    expect(describe.matches(f)).toBe(true);
  });

  it('gives nodes, namespaces and replicasets their fields', () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { unschedulable: true } };
    expect(fieldsFor('nodes', node)).toEqual({ 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'true' });
    expect(fieldsFor('nodes', { ...node, spec: {} })['spec.unschedulable']).toBe('false');
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, status: { phase: 'Terminating' } };
    expect(fieldsFor('namespaces', ns)['status.phase']).toBe('Terminating');
    const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'd' }, spec: {}, status: { replicas: 3 } };
    expect(fieldsFor('replicasets', rs)['status.replicas']).toBe('3');
    expect(fieldsFor('replicasets', { ...rs, status: undefined })['status.replicas']).toBe('0');
    expect(fieldsFor('deployments', { ...rs, kind: 'Deployment' })).toEqual({ 'metadata.name': 'r', 'metadata.namespace': 'd' });
  });
});

describe('validateFieldSelector', () => {
  it('accepts the fields of the resource', () => {
    expect(() => validateFieldSelector('pods', parseFieldSelector('spec.nodeName=a,status.phase!=Failed,metadata.name=x'))).not.toThrow();
    expect(() => validateFieldSelector('nodes', parseFieldSelector('spec.unschedulable=false'))).not.toThrow();
  });

  it('rejects unknown fields with 400 listing what the resource allows', () => {
    let err: unknown;
    try {
      validateFieldSelector('deployments', parseFieldSelector('foo.bar=1'));
    } catch (e) {
      err = e;
    }
    expect(isBadRequest(err)).toBe(true);
    expect((err as Error).message).toBe('"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"');
    expect(() => validateFieldSelector('nodes', parseFieldSelector('spec.nodeName=x'))).toThrow(
      '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace", "spec.unschedulable"',
    );
  });
});
