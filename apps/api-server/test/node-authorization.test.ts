/**
 * The Node authorizer and NodeRestriction admission on a real in-process api-server with token authentication:
 * a node's credential reads and writes what kubelet needs for itself and gets kube's 403 for another node's Node,
 * Lease and pods, and for Secrets and ConfigMaps its pods do not use. The graph follows pods as they are bound,
 * changed and deleted. A node cannot widen what it may read by making up a mirror pod, mint tokens not bound to its
 * own pods, or evict another node's pods.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { realClock } from '@skiff/api';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, ServiceAccountTokens } from '../src/auth/service-account-tokens.js';
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { privilegedGroupAuthorizer, unionAuthorizer } from '../src/auth/authorizer.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { NodeGraph } from '../src/auth/node-graph.js';
import { nodeAuthorizer } from '../src/auth/node-authorizer.js';
import { nodeRestriction } from '../src/admission/node-restriction.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { api, startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
let stopGraph: (() => void) | undefined;
afterEach(async () => {
  stopGraph?.();
  await server?.close();
  server = undefined;
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokens = parseTokenFile(['admin,admin,1,system:masters', 'n1,system:node:n1,2,system:nodes', 'n2,system:node:n2,3,system:nodes', 'nameless,system:node:,4,system:nodes'].join('\n'));

async function start(): Promise<RunningServer> {
  const store = new MemoryStore();
  const { graph, stop } = NodeGraph.fromStore(store);
  stopGraph = stop;
  server = await startServer({
    store,
    serviceAccountTokens: new ServiceAccountTokens({ keys: { signingKey: privateKey, verificationKeys: [createPublicKey(privateKey)] }, issuers: [DEFAULT_SERVICE_ACCOUNT_ISSUER], clock: realClock }),
    auth: { authenticate: unionAuthenticator([tokenFileAuthenticator(tokens)], { anonymous: false }), authorizer: unionAuthorizer([privilegedGroupAuthorizer, nodeAuthorizer(graph)]) },
    admission: [nodeRestriction()],
  });
  return server;
}

const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const call = (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => api(server!.url, method, path, body, { ...as(token), ...headers });

const node = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, ...extra });
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
const podOn = (name: string, nodeName: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ configMapRef: { name: `${name}-cm` } }] }], volumes: [{ name: 's', secret: { secretName: `${name}-secret` } }], ...spec },
});
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { k: 'v' } });
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } });

describe('Node authorizer and NodeRestriction', () => {
  it('lets a node register and write only its own Node, and not its taints or restricted labels', async () => {
    await start();
    expect((await call('POST', '/api/v1/nodes', 'n1', node('n1'))).status).toBe(201);
    expect((await call('POST', '/api/v1/nodes', 'admin', node('n2'))).status).toBe(201);
    const other = await call('PATCH', '/api/v1/nodes/n2', 'n1', { metadata: { labels: { evil: 'yes' } } }, MERGE);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    const otherStatus = await call('PATCH', '/api/v1/nodes/n2/status', 'n1', { status: { phase: 'Running' } }, MERGE);
    expect(otherStatus.status).toBe(403);
    const forged = await call('POST', '/api/v1/nodes', 'n1', node('n3'));
    expect(forged.body.message).toBe('nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"');
    const own = await call('PATCH', '/api/v1/nodes/n1', 'n1', { metadata: { labels: { 'example.com/role': 'x', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } }, MERGE);
    expect(own.status).toBe(200);
    const restricted = await call('PATCH', '/api/v1/nodes/n1', 'n1', { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } }, MERGE);
    expect(restricted.status).toBe(403);
    expect(restricted.body.message).toBe('nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted');
    const taints = await call('PATCH', '/api/v1/nodes/n1', 'n1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }, MERGE);
    expect(taints.body.message).toBe('nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
    expect((await call('DELETE', '/api/v1/nodes/n2', 'n1')).status).toBe(403);
    // As kube 1.32 (AuthorizeNodeWithSelectors): its own Node only, also before it exists.
    expect((await call('GET', '/api/v1/nodes/n1', 'n1')).status).toBe(200);
    expect((await call('GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dn1&watch=1&timeoutSeconds=1', 'n1')).status).toBe(200);
    const otherNode = await call('GET', '/api/v1/nodes/n2', 'n1');
    expect([otherNode.status, otherNode.body.message]).toEqual([403, `nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object`]);
    const allNodes = await call('GET', '/api/v1/nodes', 'n1');
    expect([allNodes.status, allNodes.body.message]).toEqual([403, `nodes is forbidden: User "system:node:n1" cannot list resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read all nodes, only its own Node object`]);
  });

  it('keeps a node to its own Lease in kube-node-lease', async () => {
    await start();
    await call('POST', '/api/v1/namespaces', 'admin', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } });
    expect((await call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'n1', lease('n1'))).status).toBe(201);
    expect((await call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'admin', lease('n2'))).status).toBe(201);
    const steal = await call('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2', 'n1', lease('n2'));
    expect(steal.status).toBe(403);
    expect(steal.body.message).toBe('leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node');
    const create = await call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'n1', lease('n3'));
    expect(create.body.message).toBe('leases.coordination.k8s.io "n3" is forbidden: can only access node lease with the same name as the requesting node');
    const elsewhere = await call('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', 'n1', { ...lease('kube-scheduler'), metadata: { name: 'kube-scheduler', namespace: 'kube-system' } });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.message).toContain('can only access leases in the "kube-node-lease" system namespace');
  });

  it('lets a node write status of and delete only pods bound to it', async () => {
    await start();
    for (const [name, nodeName] of [['a', 'n1'], ['b', 'n2']] as const) expect((await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn(name, nodeName))).status).toBe(201);
    // It reads only its own pods (kube 1.32): by name, or listed and watched with spec.nodeName=n1.
    expect((await call('GET', '/api/v1/namespaces/default/pods/a', 'n1')).status).toBe(200);
    const theirPod = await call('GET', '/api/v1/namespaces/default/pods/b', 'n1');
    expect([theirPod.status, theirPod.body.message]).toEqual([403, `pods "b" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node 'n1' and this object`]);
    const own = await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', 'n1');
    expect([own.status, own.body.items?.map((p: { metadata: { name: string } }) => p.metadata.name)]).toEqual([200, ['a']]);
    expect((await call('GET', '/api/v1/namespaces/default/pods?fieldSelector=status.phase%21%3DFailed,spec.nodeName%3Dn1', 'n1')).status).toBe(200);
    for (const path of ['/api/v1/pods', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn2', '/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1', '/api/v1/pods?fieldSelector=spec.nodeName%21%3Dn1']) {
      const r = await call('GET', path, 'n1');
      expect([path, r.status, r.body.message]).toEqual([path, 403, expect.stringMatching(/: can only list\/watch pods with spec\.nodeName field selector$/)]);
    }
    const mine = await call('PATCH', '/api/v1/namespaces/default/pods/a/status', 'n1', { status: { phase: 'Running' } }, MERGE);
    expect(mine.status).toBe(200);
    const theirs = await call('PATCH', '/api/v1/namespaces/default/pods/b/status', 'n1', { status: { phase: 'Failed' } }, MERGE);
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe('pods "b" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
    const del = await call('DELETE', '/api/v1/namespaces/default/pods/b', 'n1');
    expect(del.body.message).toBe('pods "b" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
    const create = await call('POST', '/api/v1/namespaces/default/pods', 'n1', podOn('c', 'n1'));
    expect(create.body.message).toBe('pods "c" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
    expect((await call('PUT', '/api/v1/namespaces/default/pods/a', 'n1', (await call('GET', '/api/v1/namespaces/default/pods/a', 'admin')).body)).status).toBe(403);
    expect((await call('DELETE', '/api/v1/namespaces/default/pods/a', 'n1')).status).toBe(200);
  });

  it('lets a node read only the Secrets and ConfigMaps its pods use, following binds and deletes', async () => {
    await start();
    for (const n of ['a-secret', 'b-secret', 'unused']) await call('POST', '/api/v1/namespaces/default/secrets', 'admin', secret(n));
    for (const n of ['a-cm', 'b-cm']) await call('POST', '/api/v1/namespaces/default/configmaps', 'admin', configMap(n));
    await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('a', 'n1'));
    await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('b', 'n2'));
    expect((await call('GET', '/api/v1/namespaces/default/secrets/a-secret', 'n1')).status).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/a-cm', 'n1')).status).toBe(200);
    const other = await call('GET', '/api/v1/namespaces/default/secrets/b-secret', 'n1');
    expect(other.status).toBe(403);
    expect(other.body.message).toBe('secrets "b-secret" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
    expect((await call('GET', '/api/v1/namespaces/default/secrets/unused', 'n1')).status).toBe(403);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/b-cm', 'n1')).status).toBe(403);
    const list = await call('GET', '/api/v1/namespaces/default/secrets', 'n1');
    expect(list.status).toBe(403);
    expect(list.body.message).toContain('No Object name found');
    // A watch of one referenced Secret by name is allowed (kubelet's secret manager watches this way).
    expect((await call('GET', '/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Da-secret', 'n1')).status).toBe(200);
    expect((await call('PUT', '/api/v1/namespaces/default/secrets/a-secret', 'n1', secret('a-secret'))).status).toBe(403);
    // Deleting the pod (the node confirms with grace 0) removes the edge; a new pod bound to n1 adds one.
    await call('DELETE', '/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0', 'admin');
    await call('DELETE', '/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0', 'n1');
    expect((await call('GET', '/api/v1/namespaces/default/pods/a', 'admin')).status).toBe(404);
    expect((await call('GET', '/api/v1/namespaces/default/secrets/a-secret', 'n1')).status).toBe(403);
    await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('b2', 'n1', { volumes: [{ name: 's', secret: { secretName: 'b-secret' } }] }));
    expect((await call('GET', '/api/v1/namespaces/default/secrets/b-secret', 'n1')).status).toBe(200);
  });

  it("lets a node get only the PersistentVolumes its pods' claims are bound to or that are pinned to it, and names no volume has", async () => {
    await start();
    const pv = (name: string, node?: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: `/mnt/${name}` },
        ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {}),
      },
    });
    for (const [name, n] of [['shared', undefined], ['local-n1', 'n1'], ['local-n2', 'n2']] as const) expect((await call('POST', '/api/v1/persistentvolumes', 'admin', pv(name, n))).status).toBe(201);
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { storageClassName: '', volumeName: 'shared', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect((await call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', 'admin', claim)).status).toBe(201);
    const get = async (name: string, token = 'n1') => (await call('GET', `/api/v1/persistentvolumes/${name}`, token)).status;
    // No pod of n1 uses the claim yet: only its pinned volume and unknown names.
    expect(await get('shared')).toBe(403);
    expect(await get('local-n1')).toBe(200);
    expect(await get('local-n2')).toBe(403);
    expect(await get('never-was')).toBe(404);
    const list = await call('GET', '/api/v1/persistentvolumes', 'n1');
    expect(list.status).toBe(403);
    expect(list.body.message).toContain('can only get individual resources of this type');
    // A pod bound to n1 mounting the claim opens the claim's volume to n1; a deleted volume answers 404.
    await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('user', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }], containers: [{ name: 'c', image: 'busybox:1.36' }] }));
    expect(await get('shared')).toBe(200);
    expect(await get('shared', 'n2')).toBe(403);
    expect((await call('DELETE', '/api/v1/persistentvolumes/local-n2', 'admin')).status).toBe(200);
    // Held by pv-protection (no controller here): released by hand.
    await call('PATCH', '/api/v1/persistentvolumes/local-n2', 'admin', { metadata: { finalizers: null } }, MERGE);
    expect(await get('local-n2')).toBe(404);
  });

  it('refuses a node identity without a name and leaves other users to the other authorizers', async () => {
    await start();
    const res = await call('GET', '/api/v1/nodes', 'nameless');
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('unknown node for user "system:node:"');
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/x', 'n1')).status).toBe(403);
    expect((await call('POST', '/api/v1/namespaces/default/events', 'n1', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n1' }, reason: 'Started', message: 'x' })).status).toBe(201);
  });

  it('refuses a made-up mirror pod that would open Secrets, ConfigMaps, claims or ServiceAccounts to the node', async () => {
    await start();
    const own = (await call('POST', '/api/v1/nodes', 'n1', node('n1'))).body;
    for (const n of ['victim', 'default', 'powerful']) expect((await call('POST', '/api/v1/namespaces/default/serviceaccounts', 'admin', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: n } })).status).toBe(201);
    await call('POST', '/api/v1/namespaces/default/secrets', 'admin', secret('victim'));
    await call('POST', '/api/v1/namespaces/default/configmaps', 'admin', configMap('victim'));
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: own.metadata.uid, controller: true };
    const mirror = (name: string, spec: Record<string, unknown>, ownerReferences: object[] = [owner]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
    });
    const refused: Array<[string, unknown, string]> = [
      ['orphan', mirror('orphan', {}, []), 'pods "orphan" is forbidden: node "n1" can only create pods with an owner reference set to itself'],
      ['not-controller', mirror('not-controller', {}, [{ ...owner, controller: false }]), 'pods "not-controller" is forbidden: node "n1" can only create pods with a controller owner reference set to itself'],
      ['stale-uid', mirror('stale-uid', {}, [{ ...owner, uid: 'not-the-node' }]), `pods "stale-uid" is forbidden: node n1 UID mismatch: expected not-the-node got ${own.metadata.uid}`],
      ['secret', mirror('secret', { volumes: [{ name: 's', secret: { secretName: 'victim' } }] }), 'pods "secret" is forbidden: a mirror pod may not reference secrets'],
      ['pull-secret', mirror('pull-secret', { imagePullSecrets: [{ name: 'victim' }] }), 'pods "pull-secret" is forbidden: a mirror pod may not reference secrets'],
      ['account', mirror('account', { serviceAccountName: 'powerful' }), 'pods "account" is forbidden: a mirror pod may not reference service accounts'],
      ['config', mirror('config', { containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ configMapRef: { name: 'victim' } }] }] }), 'pods "config" is forbidden: node "n1" can not create pods that reference configmaps'],
      ['claim', mirror('claim', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'victim' } }] }), 'pods "claim" is forbidden: node "n1" can not create pods that reference persistentvolumeclaims'],
    ];
    const got = [];
    for (const [name, body] of refused) {
      const r = await call('POST', '/api/v1/namespaces/default/pods', 'n1', body);
      got.push([name, r.status, r.body.message]);
    }
    expect(got).toEqual(refused.map(([name, , message]) => [name, 403, message]));
    // None of them opened anything: the Secret, the ConfigMap and the accounts' tokens stay closed to n1.
    expect((await call('GET', '/api/v1/namespaces/default/secrets/victim', 'n1')).status).toBe(403);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/victim', 'n1')).status).toBe(403);
    expect((await call('POST', '/api/v1/namespaces/default/serviceaccounts/powerful/token', 'n1', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).status).toBe(403);

    // A plain mirror pod is admitted, as a static pod's; admission gives it no account and no token volume, and it
    // opens no account to the node (the `default` one included).
    const plain = await call('POST', '/api/v1/namespaces/default/pods', 'n1', mirror('static-web', {}));
    expect(plain.status).toBe(201);
    expect(plain.body.spec.serviceAccountName).toBeUndefined();
    expect(plain.body.spec.volumes ?? []).toEqual([]);
    const minted = await call('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', 'n1', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'static-web', uid: plain.body.metadata.uid } } });
    expect(minted.status).toBe(403);
    // An ordinary pod still gets the default account from admission.
    expect((await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('ordinary', 'n2'))).body.spec.serviceAccountName).toBe('default');
  });

  it('gives a node tokens only bound, by uid, to a pod bound to it', async () => {
    await start();
    expect((await call('POST', '/api/v1/namespaces/default/serviceaccounts', 'admin', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } })).status).toBe(201);
    const a = (await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('a', 'n1', { serviceAccountName: 'robot' }))).body;
    const b = (await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn('b', 'n2', { serviceAccountName: 'robot' }))).body;
    const ask = async (token: string, boundObjectRef?: object) => {
      const r = await call('POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', token, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: boundObjectRef ? { boundObjectRef } : {} });
      return [r.status, r.body.message ?? r.body.kind];
    };
    const pod = (p: { metadata: { name: string; uid: string } }, uid = true) => ({ apiVersion: 'v1', kind: 'Pod', name: p.metadata.name, ...(uid ? { uid: p.metadata.uid } : {}) });
    expect(await ask('n1')).toEqual([403, 'serviceaccounts "robot" is forbidden: node requested token not bound to a pod']);
    expect(await ask('n1', pod(a, false))).toEqual([403, 'serviceaccounts "robot" is forbidden: node requested token with a pod binding without a uid']);
    expect(await ask('n1', pod(b))).toEqual([403, 'serviceaccounts "robot" is forbidden: node requested token bound to a pod scheduled on a different node']);
    expect(await ask('n1', pod(a))).toEqual([201, 'TokenRequest']);
    // Not a node: the admin's token needs no binding.
    expect(await ask('admin')).toEqual([201, 'TokenRequest']);
  });

  it("refuses a node's eviction of another node's pod before anything is written", async () => {
    await start();
    for (const [name, nodeName] of [['a', 'n1'], ['b', 'n2']] as const) expect((await call('POST', '/api/v1/namespaces/default/pods', 'admin', podOn(name, nodeName))).status).toBe(201);
    await call('PATCH', '/api/v1/namespaces/default/pods/b/status', 'admin', { status: { phase: 'Running' } }, MERGE);
    const evict = (pod: string, token: string) => call('POST', `/api/v1/namespaces/default/pods/${pod}/eviction`, token, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } });
    const theirs = await evict('b', 'n1');
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe('pods "b" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
    const b = (await call('GET', '/api/v1/namespaces/default/pods/b', 'admin')).body;
    expect(b.metadata.deletionTimestamp).toBeUndefined();
    expect(b.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: 'DisruptionTarget' }));
    expect((await evict('missing', 'n1')).status).toBe(404);
    expect((await evict('a', 'n1')).status).toBe(201);
  });
});

