/**
 * The aggregation controller against a real in-process api-server with RBAC on, running as the controller-manager's
 * own identity (system:kube-controller-manager, bound by the bootstrap policy): a new role labelled
 * aggregate-to-view widens view, and through it edit and admin, and a view user's requests follow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Clientset } from '@skiff/client';
import { RESOURCES, type ClusterRole } from '@skiff/api';
import { startRbacServer, type RunningServer } from '@skiff/api-server/testing';
import { waitFor } from '@skiff/testing';
import { runControllerManager } from '../../controller-manager.js';

let server: RunningServer | undefined;
const clients: Clientset[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
});

const TOKENS = 'cm-token,system:kube-controller-manager,1\nadmin-token,kubernetes-admin,2,system:masters\nviewer-token,viewer,3\n';

describe('ClusterRoleAggregationController', () => {
  it('adds the rules of a new aggregate-to-view role to view, edit and admin', async () => {
    server = await startRbacServer(TOKENS);
    const client = (token: string) => {
      const c = createClient({ server: server!.url, token });
      clients.push(c);
      return c;
    };
    const cm = client('cm-token');
    const admin = client('admin-token');
    const roles = admin.resource<ClusterRole>(RESOURCES.clusterroles);
    await admin.resource(RESOURCES.clusterrolebindings).create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'viewer' }],
    });
    const secrets = () => fetch(`${server!.url}/api/v1/namespaces/default/secrets`, { headers: { authorization: 'Bearer viewer-token' } }).then((r) => r.status);
    expect(await secrets()).toBe(403);

    const ac = new AbortController();
    const done = runControllerManager({ client: cm, options: { controllers: ['clusterrole-aggregation'], concurrentReplicaSetSyncs: 1, concurrentDeploymentSyncs: 1 } }, ac.signal);
    try {
      const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] };
      await roles.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secret-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [rule] });
      for (const name of ['view', 'edit', 'admin']) {
        await waitFor(async () => ((await roles.get(name)).rules ?? []).some((r) => JSON.stringify(r) === JSON.stringify(rule)), { what: `${name} to aggregate secret-reader`, timeoutMs: 15_000 });
      }
      await waitFor(async () => (await secrets()) === 200, { what: 'the view user to read secrets', timeoutMs: 15_000 });
      // Taking the label off takes the rule back out.
      const current = await roles.get('secret-reader');
      await roles.update({ ...current, metadata: { ...current.metadata, labels: {} } });
      await waitFor(async () => !JSON.stringify((await roles.get('view')).rules).includes('secrets'), { what: 'view to drop secret-reader', timeoutMs: 15_000 });
      expect(await secrets()).toBe(403);
    } finally {
      ac.abort();
      await done;
    }
  });
});
