/**
 * The controller-manager as its own identity (system:kube-controller-manager, bound by the api-server's bootstrap
 * policy) with every controller on, against an api-server with RBAC: the one role covers what the controllers
 * write (ReplicaSets and Pods for a Deployment, default ServiceAccounts, a namespace's deletion down to its
 * RoleBindings), and no more.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Clientset } from '@skiff/client';
import { isNotFound, RESOURCES } from '@skiff/api';
import { startRbacServer, type RunningServer } from '@skiff/api-server/testing';
import { waitFor } from '@skiff/testing';
import { runControllerManager } from './controller-manager.js';
import { CONTROLLER_NAMES } from './options.js';

let server: RunningServer | undefined;
const clients: Clientset[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
});

describe('controller-manager with RBAC', () => {
  it('runs every controller with the least-privilege system:kube-controller-manager role', async () => {
    server = await startRbacServer('cm-token,system:kube-controller-manager,1\nadmin-token,kubernetes-admin,2,system:masters\n');
    const as = (token: string) => {
      const c = createClient({ server: server!.url, token });
      clients.push(c);
      return c;
    };
    const cm = as('cm-token');
    const admin = as('admin-token');
    const ac = new AbortController();
    const done = runControllerManager({ client: cm, options: { controllers: [...CONTROLLER_NAMES], concurrentReplicaSetSyncs: 2, concurrentDeploymentSyncs: 2 } }, ac.signal);
    try {
      await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
      await admin.resource(RESOURCES.rolebindings).create({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'b', namespace: 'team' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'jane' }],
      }, { namespace: 'team' });
      await admin.deployments.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'team' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
      }, { namespace: 'team' });
      await waitFor(async () => (await admin.pods.list({ namespace: 'team' })).items.length === 2, { what: 'the deployment\'s two pods', timeoutMs: 20_000 });
      await waitFor(async () => (await admin.serviceaccounts.list({ namespace: 'team' })).items.some((s) => s.metadata.name === 'default'), { what: 'the default ServiceAccount', timeoutMs: 20_000 });
      // The disruption controller writes a budget's status; the DaemonSet controller its own.
      await admin.resource(RESOURCES.poddisruptionbudgets).create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'team' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }, { namespace: 'team' });
      await waitFor(async () => ((await admin.resource(RESOURCES.poddisruptionbudgets).get('web', { namespace: 'team' })) as { status?: { observedGeneration?: number } }).status?.observedGeneration === 1, { what: 'the PDB status from the disruption controller', timeoutMs: 20_000 });
      await admin.resource(RESOURCES.daemonsets).create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'team' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } }, { namespace: 'team' });
      await waitFor(async () => ((await admin.resource(RESOURCES.daemonsets).get('agent', { namespace: 'team' })) as { status?: { observedGeneration?: number } }).status?.observedGeneration === 1, { what: 'the DaemonSet status from its controller', timeoutMs: 20_000 });
      // A claim no pod uses: namespace deletion waits for pvc-protection to release it (an update of any kind).
      await admin.resource(RESOURCES.persistentvolumeclaims).create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'team' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, { namespace: 'team' });
      // Namespace deletion removes every kind in it (the RoleBinding too), then finalizes the namespace.
      await admin.namespaces.delete('team');
      await waitFor(async () => admin.namespaces.get('team').then(() => false, (err: unknown) => isNotFound(err)), { what: 'namespace team to be gone', timeoutMs: 30_000 });
      // Not an admin: it cannot read pods' logs or exec, nor mint tokens.
      const exec = await fetch(`${server.url}/api/v1/namespaces/default/pods/x/exec?command=sh`, { method: 'POST', headers: { authorization: 'Bearer cm-token' } });
      expect(exec.status).toBe(403);
      const token = await fetch(`${server.url}/api/v1/namespaces/default/serviceaccounts/default/token`, { method: 'POST', headers: { authorization: 'Bearer cm-token' } });
      expect(token.status).toBe(403);
    } finally {
      ac.abort();
      await done;
    }
  });
});
