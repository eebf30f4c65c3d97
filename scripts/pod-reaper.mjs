#!/usr/bin/env node
// pod-reaper: removes the pod containers (and emptyDir volumes) a Skiff cluster left on the Docker engine.
//
// Node agents create pod containers beside themselves on the host's engine, outside Compose, so `docker compose
// down` cannot see them. A node that dies keeps its containers, as a real node would: when its agent comes back
// it adopts or removes them. When the whole cluster goes away they must go too. This script does that:
//
//   node scripts/pod-reaper.mjs watch --network NET       wait for SIGTERM/SIGINT, then remove every pod of the
//                                                        cluster (the Compose service `pod-reaper` runs this; it
//                                                        stops after the node agents, so `down` leaves nothing)
//   node scripts/pod-reaper.mjs clean --network NET       remove every pod container of the cluster now
//   node scripts/pod-reaper.mjs clean --node NAME ...     remove the containers of these nodes only (a dead node)
//   node scripts/pod-reaper.mjs list  [--network NET] [--node NAME]   print what clean would remove
//
// A cluster's pods are found by the node agents' labels (apps/node-agent/src/runtime/labels.ts: managed=true, node, pod-uid):
// the sandboxes attached to the cluster's pod network name the pods and nodes, and every managed container or
// volume of those pods or nodes is removed. Containers of other clusters on the same engine are never touched.
// The Docker socket comes from DOCKER_HOST (unix://...) or /var/run/docker.sock. No dependencies: plain node:http.
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// The label scheme is the node agent's own (built by `npm run build`; the image has it), so the two cannot drift.
import { LABELS } from '../apps/node-agent/dist/runtime/labels.js';

const MANAGED = LABELS.managed;
const NODE = LABELS.node;
const POD_UID = LABELS.podUid;

const socketPath = (process.env.DOCKER_HOST ?? '').startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock';

/** docker calls the Engine API over its unix socket; resolves the parsed JSON (or text) and status. */
export function docker(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        let json;
        try {
          json = data ? JSON.parse(data) : undefined;
        } catch {
          json = data;
        }
        resolve({ status: res.statusCode ?? 0, body: json });
      });
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

const filters = (f) => encodeURIComponent(JSON.stringify(f));

/** findPods returns the managed containers and volumes that belong to the given network's pods or the given nodes. */
export async function findPods({ network, nodes = [] }) {
  const all = (await docker('GET', `/containers/json?all=1&filters=${filters({ label: [`${MANAGED}=true`] })}`)).body ?? [];
  const uids = new Set();
  const nodeSet = new Set(nodes);
  if (network) {
    for (const c of all) {
      const nets = Object.keys(c.NetworkSettings?.Networks ?? {});
      if (nets.includes(network) || c.HostConfig?.NetworkMode === network) {
        if (c.Labels?.[POD_UID]) uids.add(c.Labels[POD_UID]);
      }
    }
  }
  // Nodes of the cluster: those with a sandbox on its network, and (in Compose) the hostnames of this project's node
  // agents, so exited containers whose sandbox is already gone are found too.
  for (const c of all) if (uids.has(c.Labels?.[POD_UID]) && c.Labels?.[NODE]) nodeSet.add(c.Labels[NODE]);
  for (const n of await composeNodeNames()) nodeSet.add(n);
  // App containers share their sandbox's namespace (NetworkMode container:<id>): they belong to the pod by uid.
  const containers = all.filter((c) => uids.has(c.Labels?.[POD_UID]) || nodeSet.has(c.Labels?.[NODE]));
  for (const c of containers) if (c.Labels?.[POD_UID]) uids.add(c.Labels[POD_UID]);
  const vols = (await docker('GET', `/volumes?filters=${filters({ label: [`${MANAGED}=true`] })}`)).body?.Volumes ?? [];
  const volumes = vols.filter((v) => uids.has(v.Labels?.[POD_UID]) || nodeSet.has(v.Labels?.[NODE]));
  return { containers, volumes };
}

/** composeNodeNames: when this runs in a Compose container, the hostnames (node names) of its project's containers. */
async function composeNodeNames() {
  if (!process.env.HOSTNAME) return [];
  const self = await docker('GET', `/containers/${encodeURIComponent(process.env.HOSTNAME)}/json`).catch(() => undefined);
  const project = self?.status === 200 ? self.body?.Config?.Labels?.['com.docker.compose.project'] : undefined;
  if (!project) return [];
  const list = (await docker('GET', `/containers/json?all=1&filters=${filters({ label: [`com.docker.compose.project=${project}`] })}`)).body ?? [];
  const names = [];
  for (const c of list) {
    const info = await docker('GET', `/containers/${c.Id}/json`);
    if (info.body?.Config?.Hostname) names.push(info.body.Config.Hostname);
  }
  return names;
}

/** reap force-removes what findPods found (app containers first, sandboxes last), then the volumes. */
export async function reap(opts, log = (m) => process.stdout.write(`pod-reaper: ${m}\n`)) {
  const { containers, volumes } = await findPods(opts);
  const ordered = [...containers].sort((a, b) => Number(a.Labels?.[LABELS.kind] === 'sandbox') - Number(b.Labels?.[LABELS.kind] === 'sandbox'));
  await Promise.all(
    ordered.map(async (c) => {
      const r = await docker('DELETE', `/containers/${c.Id}?force=1&v=1`);
      if (r.status >= 300 && r.status !== 404) log(`could not remove ${c.Names?.[0]}: ${JSON.stringify(r.body)}`);
    }),
  );
  for (const v of volumes) await docker('DELETE', `/volumes/${encodeURIComponent(v.Name)}?force=1`);
  log(`removed ${containers.length} pod containers and ${volumes.length} volumes${opts.network ? ` of network ${opts.network}` : ''}${opts.nodes?.length ? ` of nodes ${opts.nodes.join(',')}` : ''}`);
  return containers.length;
}

function parse(argv) {
  const [mode = 'watch', ...rest] = argv;
  const o = { mode, network: process.env.SKIFF_POD_NETWORK || undefined, nodes: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const v = () => rest[++i] ?? '';
    if (a === '--network') o.network = v();
    else if (a.startsWith('--network=')) o.network = a.slice(10);
    else if (a === '--node') o.nodes.push(v());
    else if (a.startsWith('--node=')) o.nodes.push(a.slice(7));
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['watch', 'clean', 'list'].includes(o.mode)) throw new Error(`unknown mode ${o.mode}: watch, clean or list`);
  if (o.mode !== 'list' && !o.network && o.nodes.length === 0) throw new Error('name the cluster: --network NET (or SKIFF_POD_NETWORK) and/or --node NAME');
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`pod-reaper: ${err.message}\n`);
    process.exit(2);
  }
  if (o.mode === 'list') {
    const { containers, volumes } = await findPods(o);
    for (const c of containers) process.stdout.write(`${c.Names?.[0]?.slice(1)}\t${c.Labels?.[NODE]}\t${c.State}\n`);
    for (const v of volumes) process.stdout.write(`volume ${v.Name}\n`);
  } else if (o.mode === 'clean') {
    await reap(o);
  } else {
    process.stdout.write(`pod-reaper: watching; on stop, removes the pods of network ${o.network}\n`);
    const keepAlive = setInterval(() => {}, 1 << 30);
    let busy = false;
    const onSignal = async (sig) => {
      if (busy) return;
      busy = true;
      process.stdout.write(`pod-reaper: ${sig}: removing the cluster's pod containers\n`);
      try {
        // Twice: a node agent still stopping may have started a container between the list and the removal.
        await reap(o);
        await reap(o, () => {});
      } catch (err) {
        process.stderr.write(`pod-reaper: ${err.message}\n`);
      }
      clearInterval(keepAlive);
      process.exit(0);
    };
    process.on('SIGTERM', () => void onSignal('SIGTERM'));
    process.on('SIGINT', () => void onSignal('SIGINT'));
  }
}
