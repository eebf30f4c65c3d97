/**
 * @module buildContainerConfig: turns a pod container into a runtime ContainerConfig (env, fieldRefs, resources,
 * volumes, security context), refusing what the node does not allow.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { hostPathExposesDockerSocket, Quantity, type Container, type Pod, type Volume, type VolumeMount } from '@skiff/api';
import { podDNS, type ClusterDNS } from './pod-dns.js';
import { isConfigVolume } from '../volumes/volume-payload.js';
import { validatePath } from '../volumes/atomic-writer.js';
import type { ConfigObjects } from '../config/config-objects.js';
import { containerEnv, expand } from './container-env.js';
import { verifyRunAsNonRoot } from './verify-run-as-non-root.js';
import { RuntimeError, type ContainerConfig, type MountConfig, type PortMapping, type SandboxConfig } from '../runtime/container-runtime.js';

/** ContainerConfigContext is what the node knows that the pod does not. */
export interface ContainerConfigContext {
  nodeName: string;
  hostIP: string;
  podIP: string;
  allowPrivileged: boolean;
  /** Variables of the Services that exist now (serviceEnv); container env overrides them and may refer to them. */
  serviceEnv?: ReadonlyArray<{ name: string; value: string }>;
  /** The ConfigMaps and Secrets env and envFrom read. */
  objects: ConfigObjects;
  /** Where the node keeps the files of a configMap, secret, projected or downwardAPI volume. */
  volumeDir(v: Volume): string;
  /** The runtime volume a persistentVolumeClaim volume was set up as (undefined: not set up). */
  claimVolume?(v: Volume): string | undefined;
  /** Hears what kubelet reports as a warning event without failing the container (skipped envFrom keys). */
  warn?(message: string): void;
}

/** podRef is the runtime's identity of a pod. */
export function podRef(pod: Pod): { uid: string; namespace: string; name: string } {
  return { uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' };
}

function configError(message: string): RuntimeError {
  return new RuntimeError('CreateContainerConfigError', message);
}

/** fieldRefValue resolves the downward-API fields kubelet supports for env. */
export function fieldRefValue(pod: Pod, path: string, ctx: Pick<ContainerConfigContext, 'nodeName' | 'hostIP' | 'podIP'>): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    default:
      throw configError(`unsupported fieldRef ${path}`);
  }
}

/**
 * subPathOf is a volumeMount's subPath, or its subPathExpr expanded from the container's environment as kubelet's
 * ExpandContainerVolumeMounts does: a reference to a variable that is missing or empty is an error, and so is an
 * expansion that is absolute or steps out with '..' (the api-server could only check the expression).
 */
function subPathOf(m: VolumeMount, vars: ReadonlyMap<string, string>): string | undefined {
  if (!m.subPathExpr) return m.subPath;
  const missing = new Set<string>();
  const set = new Map([...vars].filter(([, value]) => value !== ''));
  const path = expand(m.subPathExpr, set, (name) => {
    missing.add(name);
    return '';
  });
  if (missing.size) throw configError(`volumeMount ${m.name}: subPathExpr ${m.subPathExpr}: missing value for ${[...missing].sort().join(', ')}`);
  if (path.startsWith('/')) throw configError(`volumeMount ${m.name}: error SubPath \`${path}\` must not be an absolute path`);
  if (path.split('/').includes('..')) throw configError(`volumeMount ${m.name}: unable to provision SubPath \`${path}\`: must not contain '..'`);
  return path;
}

function mounts(pod: Pod, c: Container, ctx: ContainerConfigContext, vars: ReadonlyMap<string, string>): MountConfig[] {
  return (c.volumeMounts ?? []).map((mount) => {
    const expanded = subPathOf(mount, vars);
    const m = { ...mount, ...(expanded ? { subPath: expanded } : {}) };
    const v = pod.spec.volumes?.find((x) => x.name === m.name);
    if (!v) throw configError(`volume ${m.name} is not declared by the pod`);
    if (isConfigVolume(v)) return configVolumeMount(v, m, ctx);
    const subPath = m.subPath ? { subPath: m.subPath } : {};
    if (v.emptyDir) return { volume: v.name, kind: 'emptyDir', target: m.mountPath, readOnly: m.readOnly ?? false, ...subPath };
    if (v.persistentVolumeClaim) {
      const named = ctx.claimVolume?.(v);
      if (!named) throw configError(`volume ${v.name}: persistentVolumeClaim ${v.persistentVolumeClaim.claimName} is not mounted on this node`);
      const readOnly = (m.readOnly ?? false) || (v.persistentVolumeClaim.readOnly ?? false);
      return { volume: named, kind: 'named', target: m.mountPath, readOnly, ...subPath };
    }
    if (v.hostPath) {
      if (hostPathExposesDockerSocket(v.hostPath.path)) throw configError(`hostPath volume ${v.name} (${v.hostPath.path}) would expose the container engine's socket, which no pod may mount`);
      if (!ctx.allowPrivileged) throw configError(`hostPath volume ${v.name} is not allowed on this node (start the agent with --allow-privileged)`);
      return { volume: v.hostPath.path, kind: 'host', target: m.mountPath, readOnly: m.readOnly ?? false, ...subPath };
    }
    throw configError(`volume ${v.name}: only emptyDir, hostPath, persistentVolumeClaim, configMap, secret, projected and downwardAPI volumes are supported`);
  });
}

/**
 * configVolumeMount binds a config volume's directory read-only, as kubelet does. With subPath the file the path
 * resolves to now is bound, so it keeps its content when the volume is updated (Kubernetes documents the same).
 */
function configVolumeMount(v: Volume, m: { mountPath: string; subPath?: string }, ctx: ContainerConfigContext): MountConfig {
  const dir = ctx.volumeDir(v);
  if (!m.subPath) return { volume: dir, kind: 'host', target: m.mountPath, readOnly: true };
  try {
    validatePath(m.subPath);
  } catch (err) {
    throw configError(`volume ${v.name}: subPath ${(err as Error).message}`);
  }
  let source: string;
  try {
    source = realpathSync(join(dir, m.subPath));
  } catch {
    throw configError(`failed to prepare subPath for volumeMount "${v.name}": ${m.subPath} does not exist in the volume`);
  }
  if (!source.startsWith(`${realpathSync(dir)}/`)) throw configError(`volume ${v.name}: subPath ${m.subPath} leaves the volume`);
  return { volume: source, kind: 'host', target: m.mountPath, readOnly: true };
}

function quantity(text: string | undefined, field: string, milli: boolean): number | undefined {
  if (text === undefined) return undefined;
  try {
    const q = Quantity.parse(text);
    return milli ? q.milliValue() : q.value();
  } catch {
    throw configError(`invalid quantity ${field}=${text}`);
  }
}

/** appArmorProfile is the container's AppArmor profile: its field, the pod's, then the beta annotation. */
function appArmorProfile(pod: Pod, c: Container): 'RuntimeDefault' | 'Unconfined' | undefined {
  const type = (c.securityContext?.appArmorProfile ?? pod.spec.securityContext?.appArmorProfile)?.type;
  if (type === 'Unconfined' || type === 'RuntimeDefault') return type;
  const annotation = pod.metadata.annotations?.[`container.apparmor.security.beta.kubernetes.io/${c.name}`];
  if (annotation === 'unconfined') return 'Unconfined';
  if (annotation === 'runtime/default') return 'RuntimeDefault';
  return undefined;
}

/**
 * refuseUnsupported refuses what this node cannot do rather than run the pod without it (the api-server's NodeSupport
 * admission refuses the same; this holds for pods admitted before it, or by another api-server).
 */
function refuseUnsupported(pod: Pod, c: Container): void {
  const spec = pod.spec;
  const unsupported: string[] = [];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[f]) unsupported.push(`spec.${f}`);
  if (spec.hostUsers === false) unsupported.push('spec.hostUsers=false');
  if (spec.securityContext?.sysctls?.length) unsupported.push('spec.securityContext.sysctls');
  for (const [path, sc] of [['spec.securityContext', spec.securityContext], [`container ${c.name} securityContext`, c.securityContext]] as const) {
    if (sc?.seLinuxOptions) unsupported.push(`${path}.seLinuxOptions`);
    if (sc?.seccompProfile?.type === 'Localhost') unsupported.push(`${path}.seccompProfile Localhost`);
    if (sc?.appArmorProfile?.type === 'Localhost') unsupported.push(`${path}.appArmorProfile Localhost`);
  }
  if (c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default') unsupported.push(`container ${c.name} securityContext.procMount ${c.securityContext.procMount}`);
  if (pod.metadata.annotations?.[`container.apparmor.security.beta.kubernetes.io/${c.name}`]?.startsWith('localhost/')) unsupported.push('a localhost/ AppArmor profile');
  if (unsupported.length) throw configError(`this node cannot run the pod as written: ${unsupported.join(', ')} not supported by the Docker node agent`);
}

/**
 * buildContainerConfig resolves one pod container into what the runtime creates. Problems the user must fix
 * (unsupported volumes, privileged without --allow-privileged) throw a RuntimeError with reason
 * CreateContainerConfigError, which shows as the container's waiting reason.
 */
export function buildContainerConfig(pod: Pod, c: Container, kind: ContainerConfig['kind'], restartCount: number, ctx: ContainerConfigContext): ContainerConfig {
  const sc = c.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  if (sc.privileged && !ctx.allowPrivileged) throw configError(`container ${c.name} is privileged, which this node does not allow (--allow-privileged)`);
  refuseUnsupported(pod, c);
  const uid = sc.runAsUser ?? psc.runAsUser;
  const gid = sc.runAsGroup ?? psc.runAsGroup;
  // The image's user is checked by the syncer, which can ask the runtime (see verifyRunAsNonRoot).
  if (uid !== undefined) verifyRunAsNonRoot(pod, c, undefined);
  const { env: envs, warnings } = containerEnv(pod, c, { fieldRef: (path) => fieldRefValue(pod, path, ctx), objects: ctx.objects, ...(ctx.serviceEnv ? { serviceEnv: ctx.serviceEnv } : {}) });
  for (const w of warnings) ctx.warn?.(w);
  const vars = new Map(envs.map((e) => [e.name, e.value]));
  const config: ContainerConfig = {
    pod: podRef(pod),
    kind,
    name: c.name,
    restartCount,
    image: c.image ?? '',
    env: envs,
    mounts: mounts(pod, c, ctx, vars),
  };
  if (c.command) config.command = c.command.map((s) => expand(s, vars));
  if (c.args) config.args = c.args.map((s) => expand(s, vars));
  if (c.workingDir) config.workingDir = c.workingDir;
  const memoryLimit = quantity(c.resources?.limits?.['memory'], 'limits.memory', false);
  const cpuLimit = quantity(c.resources?.limits?.['cpu'], 'limits.cpu', true);
  const cpuRequest = quantity(c.resources?.requests?.['cpu'] ?? c.resources?.limits?.['cpu'], 'requests.cpu', true);
  if (memoryLimit !== undefined) config.memoryLimit = memoryLimit;
  if (cpuLimit !== undefined) config.cpuLimitMilli = cpuLimit;
  if (cpuRequest !== undefined) config.cpuRequestMilli = cpuRequest;
  if (uid !== undefined) config.user = gid !== undefined ? `${uid}:${gid}` : String(uid);
  else if (gid !== undefined) config.user = `0:${gid}`;
  if (sc.readOnlyRootFilesystem) config.readOnlyRootFilesystem = true;
  if (sc.privileged) config.privileged = true;
  if (sc.capabilities?.add?.length) config.capAdd = sc.capabilities.add;
  if (sc.capabilities?.drop?.length) config.capDrop = sc.capabilities.drop;
  const groups = [...new Set([...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc.supplementalGroups ?? [])])];
  if (groups.length) config.groupAdd = groups;
  // kubelet's AddNoNewPrivileges: only an explicit false, and never for a privileged container.
  if (sc.allowPrivilegeEscalation === false && !sc.privileged) config.noNewPrivileges = true;
  const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
  if (seccomp === 'Unconfined' || seccomp === 'RuntimeDefault') config.seccompProfile = seccomp;
  const appArmor = appArmorProfile(pod, c);
  if (appArmor) config.appArmorProfile = appArmor;
  if (c.stdin) config.stdin = true;
  if (c.stdinOnce) config.stdinOnce = true;
  if (c.tty) config.tty = true;
  return config;
}

/**
 * buildSandboxConfig collects what the pause container needs: hostname, published host ports, emptyDir volumes and
 * the resolver settings of its dnsPolicy.
 */
export function buildSandboxConfig(pod: Pod, clusterDNS?: ClusterDNS): SandboxConfig {
  const dns = podDNS(pod, clusterDNS);
  const ports: PortMapping[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      ports.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'], ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return {
    pod: podRef(pod),
    hostname: (pod.spec.hostname ?? pod.metadata.name ?? 'pod').slice(0, 63),
    ports,
    volumes: (pod.spec.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name),
    ...(dns ? { dns } : {}),
  };
}
