#!/usr/bin/env node
// Labels the control-plane node `node-role.kubernetes.io/control-plane=` with admin credentials, as kubeadm's
// mark-control-plane phase does: a node's own credential may not set node-role labels (NodeRestriction).
// Waits for the node to register, then patches; idempotent.
//
//   node scripts/mark-control-plane.mjs --kubeconfig=FILE --node=NAME [--timeout=120]
import { createClient, loadKubeconfig } from '@skiff/client';

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(process.argv[i]);
  if (m) args[m[1]] = m[2] ?? process.argv[++i];
}
if (!args.kubeconfig || !args.node) {
  process.stderr.write('mark-control-plane: --kubeconfig and --node are required\n');
  process.exit(2);
}
const { namespace: _, ...connection } = loadKubeconfig(args.kubeconfig);
const client = createClient({ ...connection, userAgent: 'skiff-mark-control-plane' });
const deadline = Date.now() + Number(args.timeout ?? 120) * 1000;
for (;;) {
  try {
    await client.nodes.patch(args.node, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } });
    process.stdout.write(`node/${args.node} labeled node-role.kubernetes.io/control-plane\n`);
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      process.stderr.write(`mark-control-plane: node ${args.node}: ${err.message}\n`);
      await client.close();
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
await client.close();
