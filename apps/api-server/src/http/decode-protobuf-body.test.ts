import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { decodeProtobufBody } from './decode-protobuf-body.js';
import { decodeObjectBody } from './read-body.js';

// Bodies captured from kubectl 1.32 (hex of the request body).
const CREATE_NAMESPACE = '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a001a002200';
const CREATE_DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b4010a1d0a02643112001a0022002a003200380042005a090a03617070120264311284010802120b0a090a03617070120264311a6b0a1b0a0012001a0022002a003200380042005a090a0361707012026431124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';
const DRAIN_DELETE_OPTIONS = '6b3873000a130a027631120d44656c6574654f7074696f6e73120208001a002200';
// kubectl create service clusterip: a kind without a table.
const CREATE_SERVICE = '6b3873000a0d0a02763112075365727669636512130a110a017812001a0022002a003200380042001a002200';
const CREATE_CONFIGMAP = '6b3873000a0f0a0276311209436f6e6669674d617012370a130a0361707012001a0022002a00320038004200120e0a054c4556454c1205646562756712100a086170702e636f6e661204783d310a1a002200'; // --from-literal=LEVEL=debug --from-file=app.conf
const CREATE_SECRET = '6b3873000a0c0a0276311206536563726574122e0a150a05637265647312001a0022002a0032003800420012130a0870617373776f7264120768756e746572321a001a002200'; // generic --from-literal=password=hunter2
const CREATE_SERVICE_ACCOUNT = '6b3873000a140a027631120e536572766963654163636f756e7412190a170a076275696c64657212001a0022002a003200380042001a002200';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('decodeProtobufBody', () => {
  it('decodes kubectl create namespace', () => {
    expect(decodeProtobufBody(hex(CREATE_NAMESPACE))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
  });

  it('decodes kubectl create deployment --replicas=2 --port=80, dropping zero values', () => {
    expect(decodeProtobufBody(hex(CREATE_DEPLOYMENT))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1', labels: { app: 'd1' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd1' } },
        template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      },
    });
  });

  it('decodes kubectl create configmap, secret generic (data as base64, as in JSON) and serviceaccount', () => {
    expect(decodeProtobufBody(hex(CREATE_CONFIGMAP))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { LEVEL: 'debug', 'app.conf': 'x=1\n' } });
    expect(decodeProtobufBody(hex(CREATE_SECRET))).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    expect(decodeProtobufBody(hex(CREATE_SERVICE_ACCOUNT))).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
  });

  it('keeps a zero that was set on a pointer field (drain --grace-period=0)', () => {
    expect(decodeProtobufBody(hex(DRAIN_DELETE_OPTIONS))).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
  });

  it('decodes kubectl create service with no ports (metadata only)', () => {
    expect(decodeProtobufBody(hex(CREATE_SERVICE))).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } });
  });

  it('refuses kinds the server does not serve with 415', () => {
    // runtime.Unknown{typeMeta: {apiVersion: v1, kind: Widgets}}.
    const pod = Buffer.concat([hex('6b387300'), Buffer.from([0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09]), Buffer.from('Widgetsss')]);
    let err: unknown;
    try {
      decodeProtobufBody(pod);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(415);
  });

  it('refuses a non-empty field it does not know rather than dropping it', () => {
    // Namespace with metadata field 99 (no such field in ObjectMeta) set: "x".
    const body = Buffer.concat([hex('6b3873000a0f0a02763112094e616d657370616365'), Buffer.from([0x12, 0x07, 0x0a, 0x05, 0x0a, 0x01, 0x61, 0x22, 0x00]), Buffer.from([0x12, 0x06, 0x0a, 0x04, 0x9a, 0x06, 0x01, 0x78])]);
    expect(() => decodeProtobufBody(body)).toThrow(/field 99 of Namespace\.metadata/);
  });

  it('is what decodeObjectBody uses for application/vnd.kubernetes.protobuf', () => {
    expect(decodeObjectBody(hex(CREATE_NAMESPACE), 'application/vnd.kubernetes.protobuf')).toMatchObject({ kind: 'Namespace', metadata: { name: 'ns1' } });
  });
});
