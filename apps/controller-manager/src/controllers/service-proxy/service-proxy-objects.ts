/**
 * @module The objects the service-proxy controller keeps in kube-system (docs/services.md): the kube-dns Service
 * at the tenth address of the service range, the service-proxy Deployment that holds every ClusterIP and answers
 * DNS, and one NodePort relay Deployment per NodePort Service.
 */
import { ipAtOffset, parseServiceIPRange, usesNodePorts, type Container, type Deployment, type PodTemplateSpec, type Service } from '@skiff/api';

export const SYSTEM_NAMESPACE = 'kube-system';
export const PROXY_NAME = 'skiff-service-proxy';
export const DNS_SERVICE_NAME = 'kube-dns';
/** Label of a NodePort relay: `<namespace>.<name>` of the Service it publishes. */
export const NODEPORT_FOR_LABEL = 'skiff.dev/nodeport-for';
/** Annotation holding the desired spec, so a changed flag or Service rolls the Deployment and nothing else does. */
export const DESIRED_ANNOTATION = 'skiff.dev/desired-spec';
/** The ClusterIPs the proxy writes and the sidecar holds, on the emptyDir both mount at /run/skiff. */
const ADDRESSES_FILE = '/run/skiff/cluster-ips';
const APP_LABEL = 'k8s-app';
const RELAY_IMAGE = 'busybox:1.36';

export interface ServiceProxyConfig {
  /** --service-cluster-ip-range: kube-dns gets its tenth address, as kubeadm gives it. */
  serviceClusterIPRange: string;
  /** --service-proxy-image: an image with the Skiff repository at /skiff (skiff:dev), or node with hostPath below. */
  image: string;
  /** --service-proxy-server: the api-server's URL as the proxy pod reaches it (not a ClusterIP: it makes those). */
  server: string;
  /** --service-proxy-host-path: a host directory with a built Skiff checkout, mounted at /skiff (npm start). */
  hostPath?: string;
}

/** dnsServiceIP is kube-dns's ClusterIP: the tenth address of the service range (10.96.0.10 in kubeadm's 10.96.0.0/12). */
export function dnsServiceIP(range: string): string {
  return ipAtOffset(parseServiceIPRange(range), 10);
}

export function dnsService(cfg: ServiceProxyConfig): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DNS_SERVICE_NAME, namespace: SYSTEM_NAMESPACE, labels: { [APP_LABEL]: 'kube-dns' } },
    spec: {
      clusterIP: dnsServiceIP(cfg.serviceClusterIPRange),
      selector: { [APP_LABEL]: PROXY_NAME },
      // Both, as kube-dns has: resolvers retry over TCP when a UDP answer comes back truncated.
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

/**
 * ADDRESS_LOOP runs in the proxy pod's NET_ADMIN sidecar: it makes eth0's /32 addresses the list the proxy writes,
 * announcing each new one by gratuitous ARP so clients' caches follow a moved proxy. Polled each second, since
 * busybox has no inotify wait; the proxy's listeners take any local address, so no ordering is needed. The file is
 * read with shell builtins and `ip` runs only when the list changed (or a change failed): an idle loop forks
 * nothing but `sleep`, where running `ip` and `grep` per address each second cost 7% of a core with 53 Services.
 * `$0` is the file (sh -c SCRIPT FILE), so a test can run it against a file of its own.
 */
export const ADDRESS_LOOP = `prev=none
while true; do
  want=""
  if [ -f "$0" ]; then while read -r ip; do want="$want $ip"; done < "$0"; fi
  if [ "$want" != "$prev" ]; then
    ok=1
    have=$(ip -4 addr show dev eth0) || ok=0
    for ip in $want; do
      case "$have" in *" $ip/32 "*) ;; *) if ip addr add "$ip/32" dev eth0; then arping -U -c 1 -I eth0 "$ip" >/dev/null 2>&1; else ok=0; fi ;; esac
    done
    for ip in $(echo "$have" | awk '$1 == "inet" && $2 ~ /\\/32$/ {sub("/32", "", $2); print $2}'); do
      case "$want " in *" $ip "*) ;; *) ip addr del "$ip/32" dev eth0 || ok=0 ;; esac
    done
    [ "$ok" = 1 ] && prev=$want
  fi
  sleep 1
done`;

function withDesired(d: Deployment): Deployment {
  d.metadata.annotations = { ...d.metadata.annotations, [DESIRED_ANNOTATION]: JSON.stringify(d.spec) };
  return d;
}

/** proxyDeployment is the service proxy: one replica, every node tolerated, its own resolver (it is the cluster's). */
/** The ServiceAccount the proxy runs as (bound to system:node-proxier in the bootstrap RBAC policy). */
export const PROXY_SERVICE_ACCOUNT = 'skiff-service-proxy';

export function proxyDeployment(cfg: ServiceProxyConfig): Deployment {
  const labels = { [APP_LABEL]: PROXY_NAME };
  const template: PodTemplateSpec = {
    metadata: { labels },
    spec: {
      // Its token (automounted) authenticates it to the api-server's TLS port; RBAC grants system:node-proxier.
      serviceAccountName: PROXY_SERVICE_ACCOUNT,
      // ClusterFirst would send the proxy's own upstream queries (Docker's 127.0.0.11) back to itself.
      dnsPolicy: 'Default',
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'run', emptyDir: {} }, ...(cfg.hostPath ? [{ name: 'skiff', hostPath: { path: cfg.hostPath } }] : [])],
      containers: [
        {
          name: 'proxy',
          image: cfg.image,
          imagePullPolicy: 'IfNotPresent',
          workingDir: '/skiff',
          command: [
            'node',
            'apps/service-proxy/dist/main.js',
            `--server=${cfg.server}`,
            `--cluster-ips-file=${ADDRESSES_FILE}`,
            // kube-dns's own address, so answers come from the address queried (see ServiceProxyOptions.dns).
            `--dns-listen=${dnsServiceIP(cfg.serviceClusterIPRange)}:53`,
          ],
          // Port 53 and the shared file: the image's user (skiff) may do neither.
          securityContext: { runAsUser: 0 },
          volumeMounts: [{ name: 'run', mountPath: '/run/skiff' }, ...(cfg.hostPath ? [{ name: 'skiff', mountPath: '/skiff', readOnly: true }] : [])],
        },
        {
          name: 'addresses',
          image: RELAY_IMAGE,
          command: ['sh', '-c', ADDRESS_LOOP, ADDRESSES_FILE],
          // NET_ADMIN over the pod's own network namespace only: adding addresses to its eth0, not the host's.
          securityContext: { capabilities: { add: ['NET_ADMIN'] } },
          volumeMounts: [{ name: 'run', mountPath: '/run/skiff', readOnly: true }],
        },
      ],
    },
  };
  return withDesired({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: PROXY_NAME, namespace: SYSTEM_NAMESPACE, labels },
    // Recreate: two proxies holding the same addresses would answer ARP both.
    spec: { replicas: 1, selector: { matchLabels: labels }, strategy: { type: 'Recreate' }, template },
  });
}

/** nodePortName names a Service's NodePort relay (a DNS label: long names are cut and keep a hash suffix). */
export function nodePortName(svc: Service): string {
  const base = `skiff-nodeport-${svc.metadata.namespace ?? 'default'}-${svc.metadata.name ?? ''}`;
  if (base.length <= 50) return base;
  let h = 0;
  for (const c of base) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `${base.slice(0, 41)}-${h.toString(36).padStart(7, '0').slice(0, 8)}`;
}

/**
 * nodePortDeployment publishes a Service's node ports on its node's host. Per TCP port, busybox nc accepts on the
 * node port (hostPort, so Docker publishes it) and relays each connection to ClusterIP:port, where the proxy picks
 * a backend. UDP ports need a datagram relay busybox nc does not have here, so when there are any a second container
 * runs the proxy's image in its --udp-relay mode (per-client flows to ClusterIP:port). Undefined when the Service
 * has no node port or no ClusterIP to relay to.
 */
export function nodePortDeployment(svc: Service, cfg: ServiceProxyConfig): Deployment | undefined {
  const ip = svc.spec?.clusterIP;
  if (!usesNodePorts(svc) || !ip || ip === 'None') return undefined;
  const withNodePort = (svc.spec?.ports ?? []).filter((p) => p.nodePort);
  const tcp = withNodePort.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const udp = withNodePort.filter((p) => p.protocol === 'UDP');
  if (tcp.length === 0 && udp.length === 0) return undefined;
  const forLabel = `${svc.metadata.namespace ?? 'default'}.${svc.metadata.name ?? ''}`.slice(0, 63);
  const labels = { [APP_LABEL]: 'skiff-nodeport', [NODEPORT_FOR_LABEL]: forLabel };
  const containers: Container[] = [];
  if (tcp.length > 0) {
    // `-ll`: busybox nc's persistent listener (Debian's busybox has no -lk); one per port, the shell waits on all.
    const script = tcp.map((p) => `nc -ll -p ${p.nodePort} -e nc ${ip} ${p.port} &`).join('\n') + '\nwait';
    containers.push({
      name: 'relay',
      image: RELAY_IMAGE,
      command: ['sh', '-c', script],
      ports: tcp.map((p) => ({ containerPort: p.nodePort!, hostPort: p.nodePort!, protocol: 'TCP' as const })),
    });
  }
  if (udp.length > 0) {
    containers.push({
      name: 'relay-udp',
      image: cfg.image,
      imagePullPolicy: 'IfNotPresent',
      workingDir: '/skiff',
      command: ['node', 'apps/service-proxy/dist/main.js', `--udp-relay=${udp.map((p) => `${p.nodePort}=${ip}:${p.port}`).join(',')}`],
      ports: udp.map((p) => ({ containerPort: p.nodePort!, hostPort: p.nodePort!, protocol: 'UDP' as const })),
      ...(cfg.hostPath ? { volumeMounts: [{ name: 'skiff', mountPath: '/skiff', readOnly: true }] } : {}),
    });
  }
  return withDesired({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: nodePortName(svc), namespace: SYSTEM_NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      // A host port can be published once per engine: the old relay must go before the new one starts.
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels },
        spec: {
          dnsPolicy: 'Default',
          tolerations: [{ operator: 'Exists' }],
          ...(udp.length > 0 && cfg.hostPath ? { volumes: [{ name: 'skiff', hostPath: { path: cfg.hostPath } }] } : {}),
          containers,
        },
      },
    },
  });
}
