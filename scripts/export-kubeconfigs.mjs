#!/usr/bin/env node
// The Compose cluster's hand-over of credentials (docker-compose.yml, service `kubeconfigs`): waits until the
// api-server has written its PKI and kubeconfigs on its data volume, then copies
//   - the components' kubeconfigs (scheduler, controller-manager, the node agents' bootstrap one) to a volume they
//     mount read-only,
//     owned by the image's user (uid 10001) so the unprivileged scheduler and controller-manager can read them;
//   - the admin kubeconfig (its server rewritten to the published port), the CA and the admin certificate and key
//     to the user's ./.skiff, owned by whoever owns the checkout (the owner of --owner-of), keys 0600;
//   - the CA and its key to --signing, a volume only the controller-manager mounts (it signs node certificates);
// and prints the KUBECONFIG line and a curl with those credentials. Idempotent: every `up` runs it again.
//
//   node scripts/export-kubeconfigs.mjs --data=/data --components=/kubeconfigs --signing=/signing --user=/out --owner-of=FILE --server=URL
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// --name=value or --name value.
const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(process.argv[i]);
  if (m) args[m[1]] = m[2] ?? process.argv[++i];
}
for (const k of ['data', 'components', 'signing', 'user', 'owner-of', 'server']) {
  if (!args[k]) {
    process.stderr.write(`export-kubeconfigs: --${k} is required\n`);
    process.exit(2);
  }
}
const COMPONENT_KUBECONFIGS = ['scheduler.kubeconfig', 'controller-manager.kubeconfig', 'bootstrap.kubeconfig'];
const IMAGE_UID = 10001;
const needed = ['admin.kubeconfig', ...COMPONENT_KUBECONFIGS, 'pki/ca.crt', 'pki/ca.key', 'pki/admin.crt', 'pki/admin.key'].map((f) => join(args.data, f));

const deadline = Date.now() + 120_000;
while (!needed.every((f) => existsSync(f))) {
  if (Date.now() > deadline) {
    process.stderr.write(`export-kubeconfigs: the api-server has not written ${needed.filter((f) => !existsSync(f)).join(', ')} after 2 minutes\n`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}

/** put writes a file whole (temporary file, then rename) with its mode and owner. */
function put(path, data, mode, uid, gid) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chownSync(tmp, uid, gid);
  renameSync(tmp, path);
}

mkdirSync(args.components, { recursive: true });
for (const f of COMPONENT_KUBECONFIGS) put(join(args.components, f), readFileSync(join(args.data, f)), 0o600, IMAGE_UID, IMAGE_UID);
// The CA and its key for the controller-manager's CSR signer, on a volume only it mounts.
mkdirSync(args.signing, { recursive: true });
put(join(args.signing, 'ca.crt'), readFileSync(join(args.data, 'pki/ca.crt')), 0o644, IMAGE_UID, IMAGE_UID);
put(join(args.signing, 'ca.key'), readFileSync(join(args.data, 'pki/ca.key')), 0o600, IMAGE_UID, IMAGE_UID);

const owner = statSync(args['owner-of']);
mkdirSync(args.user, { recursive: true });
chownSync(args.user, owner.uid, owner.gid);
const admin = readFileSync(join(args.data, 'admin.kubeconfig'), 'utf8').replace(/^(\s*server:\s*).*$/m, `$1${args.server}`);
put(join(args.user, 'admin.kubeconfig'), admin, 0o600, owner.uid, owner.gid);
put(join(args.user, 'ca.crt'), readFileSync(join(args.data, 'pki/ca.crt')), 0o644, owner.uid, owner.gid);
put(join(args.user, 'admin.crt'), readFileSync(join(args.data, 'pki/admin.crt')), 0o644, owner.uid, owner.gid);
put(join(args.user, 'admin.key'), readFileSync(join(args.data, 'pki/admin.key')), 0o600, owner.uid, owner.gid);

process.stdout.write(
  [
    'kubeconfigs written: ./.skiff/admin.kubeconfig (kubernetes-admin, system:masters)',
    '  export KUBECONFIG=$PWD/.skiff/admin.kubeconfig; kubectl get nodes',
    `  curl --cacert .skiff/ca.crt --cert .skiff/admin.crt --key .skiff/admin.key ${args.server}/api/v1/nodes`,
    '',
  ].join('\n'),
);
