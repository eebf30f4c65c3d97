import { describe, expect, it } from 'vitest';
import { printTable } from './print-table.js';
import { tableApiVersion, wantsTable, wantsYaml, withTableVersion } from './wants-table.js';

const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('wantsTable', () => {
  it('accepts what kubectl get sends', () => {
    expect(wantsTable(KUBECTL_GET)).toBe(true);
    expect(tableApiVersion(KUBECTL_GET)).toBe('meta.k8s.io/v1');
  });

  it('answers v1beta1 when that is the first Table the client accepts', () => {
    expect(tableApiVersion('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json')).toBe('meta.k8s.io/v1beta1');
    expect(tableApiVersion('application/json; g=meta.k8s.io; v=v1beta1; as=Table')).toBe('meta.k8s.io/v1beta1');
  });

  it('answers JSON Tables to protobuf Table requests', () => {
    expect(tableApiVersion('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json')).toBe('meta.k8s.io/v1');
  });

  it('is false for plain JSON, other groups, versions or kinds', () => {
    expect(wantsTable(undefined)).toBe(false);
    expect(wantsTable('')).toBe(false);
    expect(wantsTable('application/json, */*;q=0.8')).toBe(false);
    expect(wantsTable('application/json;as=Table;v=v2;g=meta.k8s.io')).toBe(false);
    expect(wantsTable('application/json;as=Table;v=v1;g=example.com')).toBe(false);
    expect(wantsTable('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json')).toBe(false);
    expect(wantsTable('application/vnd.kubernetes.protobuf,application/json')).toBe(false);
  });

  it('lets an earlier plain JSON clause win, as kube-apiserver negotiation does', () => {
    expect(wantsTable('application/json,application/json;as=Table;v=v1;g=meta.k8s.io')).toBe(false);
  });
});

describe('withTableVersion', () => {
  const table = printTable('namespaces', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }], { nowMs: 0 });

  it('keeps v1 tables as they are', () => {
    expect(withTableVersion(table, 'meta.k8s.io/v1')).toBe(table);
  });

  it('relabels the table and its PartialObjectMetadata rows for v1beta1', () => {
    const t = withTableVersion(table, 'meta.k8s.io/v1beta1');
    expect(t.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.rows[0]?.object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1' });
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
  });
});

describe('wantsYaml', () => {
  it('is true when the first clause we can serve is application/yaml, in any case', () => {
    const cases: Array<[string | undefined, boolean]> = [
      ['application/yaml', true],
      ['Application/YAML; charset=utf-8', true],
      ['application/vnd.kubernetes.protobuf, application/yaml', true],
      ['application/json, application/yaml', false],
      ['application/json', false],
      ['application/x-yaml', false],
      [undefined, false],
    ];
    for (const [accept, yaml] of cases) expect(wantsYaml(accept), String(accept)).toBe(yaml);
  });
});
