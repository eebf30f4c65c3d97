#!/usr/bin/env node
// Signs the toy cluster's owner in to the dashboard: makes the ServiceAccount kube-system/dashboard-admin bound to
// cluster-admin (as the Kubernetes Dashboard's docs have users do by hand) with the admin credential, then prints
// the dashboard's URL and a token for it from TokenRequest (24 h; `kubectl -n kube-system create token
// dashboard-admin` gives another). Idempotent; waits for the api-server.
//
//   node scripts/dashboard-admin.mjs --kubeconfig=FILE --url=http://127.0.0.1:8090/ [--timeout=120]
import { createClient, loadKubeconfig } from '@skiff/client';

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(process.argv[i]);
  if (m) args[m[1]] = m[2] ?? process.argv[++i];
}
if (!args.kubeconfig || !args.url) {
  process.stderr.write('dashboard-admin: --kubeconfig and --url are required\n');
  process.exit(2);
}
const NS = 'kube-system';
const NAME = 'dashboard-admin';
const { namespace: _, ...connection } = loadKubeconfig(args.kubeconfig);
const client = createClient({ ...connection, userAgent: 'skiff-dashboard-admin' });
const ignoreExists = (err) => {
  if (err?.code !== 409) throw err;
};
const deadline = Date.now() + Number(args.timeout ?? 120) * 1000;
for (;;) {
  try {
    await client.raw('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NS } }).catch(ignoreExists);
    await client
      .raw('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: NAME },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NS }],
      })
      .catch(ignoreExists);
    const review = await client.raw('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${NAME}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86400 } });
    process.stdout.write(`dashboard at ${args.url} ; sign in with this token (24 h; another: kubectl -n ${NS} create token ${NAME}):\n${review.status.token}\n`);
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      process.stderr.write(`dashboard-admin: ${err.message}\n`);
      await client.close();
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
await client.close();
