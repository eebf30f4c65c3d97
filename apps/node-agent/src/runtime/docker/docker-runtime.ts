/**
 * @module DockerRuntime: ContainerRuntime on the Docker Engine API: a pause sandbox per pod holding the network
 * namespace, pod containers joined to it (`NetworkMode: container:<sandbox>`), emptyDirs as Docker volumes.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { realpathSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { DOCKER_SOCKET_PATHS, hostPathExposesDockerSocket, parseImageName, type PullPolicy } from '@skiff/api';
import {
  RuntimeError,
  type ContainerConfig,
  type MountConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStream,
  type ExecResult,
  type LogRequest,
  type PodRef,
  type RuntimeContainer,
  type RuntimeInfo,
  type RuntimeState,
  type SandboxConfig,
  type StreamOptions,
} from '../container-runtime.js';
import { LABELS, containerLabels, parseLabels, runtimeContainerName, volumeName } from '../labels.js';
import { DockerError, type DockerClient } from './docker-client.js';
import { DEFAULT_POD_SUBNET, ensurePodNetwork, podNetworkPlan, type PodNetworkPlan } from './pod-network.js';

/** DockerStats is what GET /containers/{id}/stats answers, as far as the sampler reads it. */
interface DockerStats {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: { inactive_file?: number; total_inactive_file?: number } };
}
import { dockerContainerStream } from './docker-container-stream.js';
import { killProcessTree } from './kill-process-tree.js';
import { prepareSubPath } from '../../volumes/sub-path.js';

/** DockerRuntimeOptions configures DockerRuntime. */
export interface DockerRuntimeOptions {
  docker: DockerClient;
  nodeName: string;
  /** Pause image of every sandbox. Default registry.k8s.io/pause:3.10. */
  podInfraImage?: string;
  /** Docker network sandboxes join; default the bridge. */
  podNetwork?: string;
  /**
   * --pod-subnet: the subnet podNetwork is created with when missing (pods from its lower half). Unset: 10.244.0.0/16,
   * or Docker's choice when that overlaps another network; set: an overlap is an error.
   */
  podSubnet?: string;
  /** Kills an exec's process tree through /proc; default killProcessTree (finds nothing from another PID namespace). */
  killTree?: (pid: number, containerId: string) => Promise<number>;
  /**
   * Client of the stats calls; default `docker`. Each call holds its connection until dockerd's next one-second
   * collection, so a round of many containers on the shared pool would queue every other Docker call behind it.
   */
  statsDocker?: DockerClient;
}

/**
 * EXEC_SESSION_ENV marks the processes of each interactive exec (and, through inheritance, what they start) so an
 * abandoned one can be found and killed from inside its container when the agent cannot see the engine's PIDs.
 */
export const EXEC_SESSION_ENV = 'SKIFF_EXEC_SESSION';

/**
 * KILL_MARKED is run with sh inside a container: SIGKILL every process whose environment has the line $1 (an exact
 * session) or, with $2 = prefix, starts with it. Only the container's own processes are visible, so nothing
 * outside it can be hit; the script's own shell does not carry the marker. It goes round again until a pass finds
 * none: a marked process that forked during a pass has a child the pass's list of /proc did not have.
 */
const KILL_MARKED = `while :; do n=0; for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$p" = "$$" ] && continue; if [ "$2" = prefix ]; then tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -q "^$1" || continue; else tr '\\0' '\\n' < $d/environ 2>/dev/null | grep -qx "$1" || continue; fi; kill -9 $p 2>/dev/null && echo $p && n=1; done; [ $n = 0 ] && break; done; true`;

interface ListEntry {
  Id: string;
  State: string;
  Labels?: Record<string, string>;
}

interface Inspect {
  Id: string;
  Created: string;
  Image: string;
  Config: { Image: string; Labels?: Record<string, string> };
  State: { Status: string; ExitCode: number; OOMKilled: boolean; Error: string; StartedAt: string; FinishedAt: string };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> };
}

interface ExecInspect {
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  ContainerID: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(t: string | undefined): string | undefined {
  return t && t !== ZERO_TIME ? t : undefined;
}

function state(s: string): RuntimeState {
  if (s === 'running' || s === 'restarting' || s === 'paused') return 'running';
  if (s === 'exited' || s === 'dead') return 'exited';
  if (s === 'created') return 'created';
  return 'unknown';
}

/** resolved is the path with its links followed, or the path itself when it does not exist here. */
function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof DockerError && err.status === 404;
}

/** OOM_RECHECKS: how many more relists inspect a SIGKILLed container not marked OOMKilled (about 1 s apart). */
const OOM_RECHECKS = 5;
/** The container events that change what `list` returns (Docker's event names; `kill` is followed by `die`). */
const CONTAINER_STATE_EVENTS = ['create', 'start', 'restart', 'die', 'oom', 'destroy', 'pause', 'unpause', 'rename', 'update'];

/**
 * DockerRuntime talks to one engine for one node. It lists only containers labelled with its node name and
 * touches nothing else, so several agents can share an engine. Inspect results are cached per container and
 * state, so the once-a-second relist costs one list call when nothing changed.
 */
export class DockerRuntime implements ContainerRuntime {
  readonly #d: DockerClient;
  readonly #node: string;
  readonly #pause: string;
  readonly #network: string | undefined;
  readonly #podNetworkPlan: PodNetworkPlan;
  readonly #podSubnetStrict: boolean;
  readonly #cache = new Map<string, { state: string; c: RuntimeContainer; recheck: number }>();
  #networkReady: Promise<void> | undefined;

  readonly #killTree: (pid: number, containerId: string) => Promise<number>;
  readonly #stats: DockerClient;

  constructor(opts: DockerRuntimeOptions) {
    this.#d = opts.docker;
    this.#node = opts.nodeName;
    this.#pause = opts.podInfraImage ?? 'registry.k8s.io/pause:3.10';
    this.#network = opts.podNetwork;
    this.#podNetworkPlan = podNetworkPlan(opts.podSubnet ?? DEFAULT_POD_SUBNET);
    this.#podSubnetStrict = opts.podSubnet !== undefined;
    this.#killTree = opts.killTree ?? killProcessTree;
    this.#stats = opts.statsDocker ?? opts.docker;
  }

  async info(): Promise<RuntimeInfo> {
    const v = await this.#d.json<{ Version: string }>({ method: 'GET', path: '/version' });
    const i = await this.#d.json<{ NCPU?: number; MemTotal?: number; KernelVersion?: string; OperatingSystem?: string }>({ method: 'GET', path: '/info' });
    return {
      runtimeVersion: `docker://${v.Version}`,
      ...(i.NCPU ? { cpus: i.NCPU } : {}),
      ...(i.MemTotal ? { memoryBytes: i.MemTotal } : {}),
      ...(i.KernelVersion ? { kernelVersion: i.KernelVersion } : {}),
      ...(i.OperatingSystem ? { osImage: i.OperatingSystem } : {}),
    };
  }

  async list(): Promise<RuntimeContainer[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.managed}=true`, `${LABELS.node}=${this.#node}`] }));
    const entries = await this.#d.json<ListEntry[]>({ method: 'GET', path: `/containers/json?all=1&filters=${filters}` });
    const out: RuntimeContainer[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      const labels = parseLabels(e.Labels);
      if (!labels || labels.node !== this.#node) continue;
      seen.add(e.Id);
      const cached = this.#cache.get(e.Id);
      if (cached && cached.state === e.State && cached.recheck === 0) {
        out.push(cached.c);
        continue;
      }
      try {
        const c = await this.#inspect(e.Id);
        if (c) {
          // dockerd handles a container's exit and its OOM event separately; on a loaded host the exit can be seen
          // first. A SIGKILLed exit not (yet) marked OOMKilled is inspected again on the next relists, so the
          // terminated reason converges on OOMKilled instead of staying Error.
          const unsure = c.state === 'exited' && c.exitCode === 137 && !c.oomKilled;
          const recheck = !unsure ? 0 : cached && cached.state === e.State ? Math.max(0, cached.recheck - 1) : OOM_RECHECKS;
          this.#cache.set(e.Id, { state: e.State, c, recheck });
          out.push(c);
        }
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    for (const id of this.#cache.keys()) if (!seen.has(id)) this.#cache.delete(id);
    return out;
  }

  async containerEvents(signal: AbortSignal, handlers: { onOpen(): void; onEvent(): void }): Promise<void> {
    // Only what changes a relist's answer: exec_* (exec probes, kubectl exec), attach, resize and the like do not.
    const filters = encodeURIComponent(
      JSON.stringify({
        type: ['container'],
        event: CONTAINER_STATE_EVENTS,
        label: [`${LABELS.managed}=true`, `${LABELS.node}=${this.#node}`],
      }),
    );
    const d = this.#d.detached();
    try {
      const body = await d.stream({ method: 'GET', path: `/events?filters=${filters}`, signal });
      handlers.onOpen();
      // One JSON object a line; which event it was does not matter, the relist that follows reads the result.
      for await (const _chunk of body) handlers.onEvent();
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      await d.close().catch(() => undefined);
    }
  }

  async ensureImage(image: string, policy: PullPolicy, onPull?: () => void, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    let present = true;
    try {
      await this.#d.json({ method: 'GET', path: `/images/${encodeURIComponent(image)}/json` });
    } catch (err) {
      if (!isMissing(err)) throw err;
      present = false;
    }
    if (policy === 'Never') {
      if (!present) throw new RuntimeError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
      return false;
    }
    if (present && policy === 'IfNotPresent') return false;
    onPull?.();
    // The Engine's `tag` parameter takes a tag or a digest; a digest pins the image, so it wins over a tag.
    const { repository: repo, tag: imageTag, digest } = parseImageName(image);
    const tag = digest || imageTag;
    try {
      const body = await this.#d.stream({ method: 'POST', path: `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, timeoutMs: 300_000 });
      // A pull can take minutes; an abort cuts it off (a partial pull leaves no container behind).
      const onAbort = (): void => void body.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      let text = '';
      try {
        for await (const chunk of body) text += chunk.toString();
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      signal?.throwIfAborted();
      const failed = text
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          try {
            return JSON.parse(l) as { error?: string };
          } catch {
            return {};
          }
        })
        .find((m) => m.error);
      if (failed) throw new DockerError(500, failed.error ?? 'pull failed');
    } catch (err) {
      signal?.throwIfAborted();
      if (!(err instanceof DockerError)) throw err;
      // With policy Always a cached image still runs when the registry is unreachable only in kubelet's
      // IfNotPresent mode; Always means the pull must succeed.
      throw new RuntimeError('ErrImagePull', `failed to pull image "${image}": ${err.message}`, { cause: err });
    }
    return true;
  }

  async imageUser(image: string): Promise<string> {
    const i = await this.#d.json<{ Config?: { User?: string } }>({ method: 'GET', path: `/images/${encodeURIComponent(image)}/json` });
    return i.Config?.User ?? '';
  }

  /**
   * #refuseEngineSocket refuses a bind mount that reaches the engine's socket, however it is spelt: the usual paths,
   * the socket this agent talks to, and each of those as this filesystem resolves them (links, /var/run -> /run).
   * The api-server refuses such hostPaths already; this holds for pods that reach the node another way.
   */
  #refuseEngineSocket(config: ContainerConfig): void {
    const sockets = new Set([...DOCKER_SOCKET_PATHS, this.#d.socketPath]);
    for (const s of [...sockets]) sockets.add(resolved(s));
    for (const m of config.mounts) {
      if (m.kind !== 'host') continue;
      if (hostPathExposesDockerSocket(m.volume, [...sockets]) || hostPathExposesDockerSocket(resolved(m.volume), [...sockets])) {
        throw new RuntimeError('CreateContainerConfigError', `container ${config.name}: hostPath ${m.volume} would expose the container engine's socket, which no pod may mount`);
      }
    }
  }

  async createSandbox(config: SandboxConfig, signal?: AbortSignal): Promise<{ id: string; ip: string }> {
    try {
      await this.ensureImage(this.#pause, 'IfNotPresent', undefined, signal);
    } catch (err) {
      if (err instanceof RuntimeError) throw new RuntimeError('CreatePodSandboxError', err.message);
      throw err;
    }
    if (this.#network) {
      try {
        await (this.#networkReady ??= ensurePodNetwork(this.#d, this.#network, this.#podNetworkPlan, this.#podSubnetStrict).then(() => undefined, (err: unknown) => {
          this.#networkReady = undefined;
          throw err;
        }));
      } catch (err) {
        throw new RuntimeError('CreatePodSandboxError', `failed to set up pod network "${this.#network}": ${(err as Error).message}`);
      }
    }
    for (const v of config.volumes) {
      const labels = { ...containerLabels(this.#node, 'sandbox', config.pod, '', 0), 'skiff.dev/volume': v };
      await this.#d.json({ method: 'POST', path: '/volumes/create', body: { Name: volumeName(this.#node, config.pod, v), Labels: labels } });
    }
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of config.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
    }
    const name = runtimeContainerName(this.#node, config.pod, '', 0) + `_${Date.now().toString(36)}`;
    const id = await this.#create(name, {
      Image: this.#pause,
      Hostname: config.hostname,
      Labels: containerLabels(this.#node, 'sandbox', config.pod, '', 0),
      ExposedPorts: exposed,
      HostConfig: {
        NetworkMode: this.#network ?? 'bridge',
        IpcMode: 'shareable',
        PortBindings: bindings,
        RestartPolicy: { Name: 'no' },
        ...(config.dns ? { Dns: config.dns.servers, DnsSearch: config.dns.searches, DnsOptions: config.dns.options } : {}),
      },
    });
    await this.#dropIfAborted(id, signal);
    try {
      await this.#d.json({ method: 'POST', path: `/containers/${id}/start` });
    } catch (err) {
      await this.removeContainer(id);
      throw new RuntimeError('CreatePodSandboxError', `failed to start pod sandbox: ${(err as Error).message}`);
    }
    await this.#dropIfAborted(id, signal);
    const c = await this.#inspect(id);
    return { id, ip: c?.ip ?? '' };
  }

  async startContainer(sandboxId: string, config: ContainerConfig, signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    this.#refuseEngineSocket(config);
    const hostConfig: Record<string, unknown> = {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      // kubectl debug --target: the debugger sees the target's processes (CRI's NamespaceMode TARGET).
      ...(config.pidTarget ? { PidMode: `container:${config.pidTarget}` } : {}),
      RestartPolicy: { Name: 'no' },
      Mounts: await Promise.all(config.mounts.map((m) => this.#mount(config, m))),
    };
    if (config.memoryLimit !== undefined) {
      hostConfig['Memory'] = config.memoryLimit;
      hostConfig['MemorySwap'] = config.memoryLimit;
    }
    if (config.cpuLimitMilli !== undefined) {
      hostConfig['CpuPeriod'] = 100_000;
      hostConfig['CpuQuota'] = Math.max(1000, Math.round(config.cpuLimitMilli * 100));
    }
    if (config.cpuRequestMilli !== undefined) hostConfig['CpuShares'] = Math.max(2, Math.round((config.cpuRequestMilli * 1024) / 1000));
    if (config.readOnlyRootFilesystem) hostConfig['ReadonlyRootfs'] = true;
    if (config.privileged) hostConfig['Privileged'] = true;
    if (config.capAdd) hostConfig['CapAdd'] = config.capAdd;
    if (config.capDrop) hostConfig['CapDrop'] = config.capDrop;
    if (config.groupAdd?.length) hostConfig['GroupAdd'] = config.groupAdd.map(String);
    const securityOpt: string[] = [];
    if (config.noNewPrivileges) securityOpt.push('no-new-privileges:true');
    if (config.seccompProfile === 'Unconfined') securityOpt.push('seccomp=unconfined');
    if (config.appArmorProfile === 'Unconfined') securityOpt.push('apparmor=unconfined');
    if (securityOpt.length) hostConfig['SecurityOpt'] = securityOpt;
    const body: Record<string, unknown> = {
      Image: config.image,
      Env: config.env.map((e) => `${e.name}=${e.value}`),
      Labels: containerLabels(this.#node, config.kind, config.pod, config.name, config.restartCount),
      HostConfig: hostConfig,
    };
    if (config.command) body['Entrypoint'] = config.command;
    if (config.args) body['Cmd'] = config.args;
    else if (config.command) body['Cmd'] = [];
    if (config.workingDir) body['WorkingDir'] = config.workingDir;
    if (config.user) body['User'] = config.user;
    // As `docker run -i [-t]`: stdin stays open for kubectl attach / run -i; StdinOnce closes it after the first.
    if (config.stdin) Object.assign(body, { OpenStdin: true, AttachStdin: true, StdinOnce: config.stdinOnce === true });
    if (config.tty) body['Tty'] = true;
    let id: string;
    try {
      id = await this.#create(runtimeContainerName(this.#node, config.pod, config.name, config.restartCount), body);
    } catch (err) {
      if (err instanceof DockerError) throw new RuntimeError('CreateContainerError', err.message);
      throw err;
    }
    await this.#dropIfAborted(id, signal);
    try {
      await this.#d.json({ method: 'POST', path: `/containers/${id}/start` });
    } catch (err) {
      if (err instanceof DockerError) throw new RuntimeError('RunContainerError', err.message);
      throw err;
    }
    await this.#dropIfAborted(id, signal);
    return id;
  }

  /**
   * dropIfAborted removes a container made by a call whose signal aborted meanwhile. A create or start already
   * sent is let finish rather than cut off (the engine may complete it anyway); the container is then removed
   * here, since the teardown that the abort let run may have listed the pod before it existed.
   */
  async #dropIfAborted(id: string, signal: AbortSignal | undefined): Promise<void> {
    if (!signal?.aborted) return;
    await this.removeContainer(id);
    signal.throwIfAborted();
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.floor(graceSeconds));
    try {
      await this.#d.json({ method: 'POST', path: `/containers/${id}/stop?t=${t}`, timeoutMs: (t + 30) * 1000 });
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.#d.json({ method: 'DELETE', path: `/containers/${id}?force=true&v=true` });
    } catch (err) {
      if (!isMissing(err) && !(err instanceof DockerError && err.status === 409)) throw err;
    }
    this.#cache.delete(id);
  }

  async removePodVolumes(pod: PodRef): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.node}=${this.#node}`, `${LABELS.podUid}=${pod.uid}`] }));
    const res = await this.#d.json<{ Volumes: Array<{ Name: string }> | null }>({ method: 'GET', path: `/volumes?filters=${filters}` });
    for (const v of res.Volumes ?? []) {
      try {
        await this.#d.json({ method: 'DELETE', path: `/volumes/${encodeURIComponent(v.Name)}` });
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
  }

  /**
   * #mount is the engine's mount for one volumeMount. A subPath is never dropped: the directory is made and checked
   * by the agent inside the volume (no link out of it) and bound, and for a hostPath checked again against the
   * engine's socket once resolved.
   */
  async #mount(config: ContainerConfig, m: MountConfig): Promise<Record<string, unknown>> {
    const bind = (source: string) => ({ Type: 'bind', Source: source, Target: m.target, ReadOnly: m.readOnly });
    const volume = m.kind === 'emptyDir' ? volumeName(this.#node, config.pod, m.volume) : m.volume;
    if (m.kind === 'host') {
      if (!m.subPath) return bind(m.volume);
      const source = await this.#subPath(config, m.volume, m.subPath);
      this.#refuseEngineSocket({ ...config, mounts: [{ ...m, volume: source }] });
      return bind(source);
    }
    if (m.subPath) return bind(await this.#namedSubPath(config, volume, m.subPath));
    return { Type: 'volume', Source: volume, Target: m.target, ReadOnly: m.readOnly };
  }

  /** #subPath makes and checks `subPath` inside `dir`, a CreateContainerConfigError when it leaves the volume. */
  async #subPath(config: ContainerConfig, dir: string, subPath: string): Promise<string> {
    try {
      return await prepareSubPath(dir, subPath);
    } catch (err) {
      throw new RuntimeError('CreateContainerConfigError', `failed to prepare subPath for volumeMount of container ${config.name}: ${(err as Error).message}`);
    }
  }

  /**
   * #namedSubPath is the host directory of `subPath` inside named volume `name`, made and checked by the agent in
   * the volume's Mountpoint and then bound (Docker API 1.41 has no VolumeOptions.Subpath). The agent must see the
   * engine's volume directory at the same path, as an agent on the engine's host does.
   */
  async #namedSubPath(config: ContainerConfig, name: string, subPath: string): Promise<string> {
    const { Mountpoint } = await this.#d.json<{ Mountpoint: string }>({ method: 'GET', path: `/volumes/${encodeURIComponent(name)}` });
    try {
      await access(Mountpoint);
    } catch {
      throw new RuntimeError('CreateContainerConfigError', `container ${config.name}: subPath ${subPath} of volume ${name}: this node agent cannot reach the engine's volume directory ${Mountpoint} (run it where that path is visible)`);
    }
    return this.#subPath(config, Mountpoint, subPath);
  }

  async ensureVolume(name: string, labels: Record<string, string>, identity: readonly string[]): Promise<void> {
    // Creating an existing volume answers it unchanged (labels, driver and options included): idempotent, and the
    // answer says what the name reaches.
    const v = await this.#d.json<{ Driver?: string; Labels?: Record<string, string> | null; Options?: Record<string, string> | null }>({
      method: 'POST',
      path: '/volumes/create',
      body: { Name: name, Labels: { ...labels, [LABELS.node]: this.#node } },
    });
    const options = v.Options ?? {};
    if ((v.Driver ?? 'local') !== 'local' || options['device'] !== undefined || /\bbind\b/.test(options['o'] ?? '')) {
      throw new Error(`Docker volume ${name} is a ${v.Driver ?? 'local'} volume with options ${JSON.stringify(options)}, not plain storage made by this agent: refusing to mount it`);
    }
    const foreign = identity.filter((k) => (v.Labels ?? {})[k] !== labels[k]);
    if (foreign.length) throw new Error(`Docker volume ${name} already exists and was not made for this volume (labels ${foreign.join(', ')} differ): refusing to mount it`);
  }

  async listVolumes(labels: Record<string, string>): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.node}=${this.#node}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] }));
    const res = await this.#d.json<{ Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null }>({ method: 'GET', path: `/volumes?filters=${filters}` });
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async removeVolume(name: string): Promise<'removed' | 'inUse'> {
    try {
      await this.#d.json({ method: 'DELETE', path: `/volumes/${encodeURIComponent(name)}` });
    } catch (err) {
      if (err instanceof DockerError && err.status === 409) return 'inUse';
      if (!isMissing(err)) throw err;
    }
    return 'removed';
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    // One deadline for the whole exec (create, start, output), as kubelet's ExecSync timeout. On expiry the stream is
    // aborted; the command itself keeps running in the container, as with kubelet.
    const signal = AbortSignal.timeout(timeoutMs);
    let output = '';
    let execId: string;
    try {
      execId = (await this.#d.json<{ Id: string }>({ method: 'POST', path: `/containers/${id}/exec`, body: { Cmd: command, AttachStdout: true, AttachStderr: true }, signal })).Id;
      const out = await this.#d.demuxed({ method: 'POST', path: `/exec/${execId}/start`, body: { Detach: false, Tty: false }, signal });
      for await (const chunk of out) if (output.length < 10_240) output += (chunk as Buffer).toString();
    } catch (err) {
      if (signal.aborted) throw new RuntimeError('ProbeTimeout', `command ${JSON.stringify(command.join(' '))} timed out`);
      throw err;
    }
    // The output ends a moment before the engine stores the exit code: an immediate inspect could say -1 for a
    // command that succeeded (a probe failed, a kill counted as not done).
    const info = await this.#execDone(execId);
    return { exitCode: info.ExitCode ?? -1, output };
  }

  async execStream(id: string, command: string[], opts: StreamOptions): Promise<ContainerStream> {
    const session = randomUUID();
    const create = { Cmd: command, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr, Tty: opts.tty, Env: [`${EXEC_SESSION_ENV}=${session}`] };
    const execId = (await this.#d.json<{ Id: string }>({ method: 'POST', path: `/containers/${id}/exec`, body: create })).Id;
    const socket = await this.#d.hijack(`/exec/${execId}/start`, { Detach: false, Tty: opts.tty });
    return dockerContainerStream(socket, opts, {
      resize: (w, h) => this.#d.json({ method: 'POST', path: `/exec/${execId}/resize?h=${h}&w=${w}` }),
      exitCode: async () => (await this.#execDone(execId)).ExitCode ?? undefined,
      kill: async () => void (await this.#killExec(execId, `${EXEC_SESSION_ENV}=${session}`)),
    });
  }

  async attach(id: string, opts: StreamOptions): Promise<ContainerStream> {
    type Inspect = { Config: { Tty?: boolean; OpenStdin?: boolean }; State?: { Running?: boolean } };
    const inspect = (): Promise<Inspect> => this.#d.json<Inspect>({ method: 'GET', path: `/containers/${id}/json` });
    // dockerd accepts an attach to a container whose process has exited and then never ends it (the output it would
    // follow is already closed): refuse one that is not running (kubectl run -i then falls back to the logs), and
    // look again once attached, for a container that exited while the attach was being set up.
    const notRunning = (): DockerError => new DockerError(409, `container ${id} is not running`);
    const info = await inspect();
    if (info.State?.Running !== true) throw notRunning();
    const tty = info.Config.Tty === true;
    const stdin = opts.stdin && info.Config.OpenStdin === true;
    const q = new URLSearchParams({ stream: '1', stdin: stdin ? '1' : '0', stdout: opts.stdout ? '1' : '0', stderr: opts.stderr ? '1' : '0' });
    const socket = await this.#d.hijack(`/containers/${id}/attach?${q}`, {});
    if ((await inspect().catch(() => undefined))?.State?.Running !== true) {
      socket.destroy();
      throw notRunning();
    }
    return dockerContainerStream(socket, { tty, stdin }, {
      resize: (w, h) => this.#d.json({ method: 'POST', path: `/containers/${id}/resize?h=${h}&w=${w}` }),
      exitCode: () => Promise.resolve(undefined),
      kill: () => Promise.resolve(),
    });
  }

  async reapExecs(): Promise<number> {
    let killed = 0;
    for (const c of await this.list()) {
      if (c.kind === 'sandbox' || c.state !== 'running') continue;
      const info = await this.#d.json<{ ExecIDs: string[] | null }>({ method: 'GET', path: `/containers/${c.id}/json` }).catch(() => undefined);
      // A previous agent's sessions are unknown: every marked process goes (the marker is only on interactive execs).
      for (const execId of info?.ExecIDs ?? []) if (await this.#killExec(execId, `${EXEC_SESSION_ENV}=`, true)) killed++;
    }
    return killed;
  }

  /**
   * #execDone waits until the engine has recorded the exec's end: its output closes a moment before the exit code
   * is stored. Bounded, so an engine that never says leaves no waiter behind.
   */
  #execDone(execId: string): Promise<ExecInspect> {
    return this.#execUntil(execId, (info) => !info.Running);
  }

  /** #execUntil inspects the exec until `done` holds or 10 s have passed, and returns the last inspect. */
  async #execUntil(execId: string, done: (info: ExecInspect) => boolean): Promise<ExecInspect> {
    const deadline = Date.now() + 10_000;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      const info = await this.#d.json<ExecInspect>({ method: 'GET', path: `/exec/${execId}/json` });
      if (done(info) || Date.now() > deadline) return info;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * #killExec kills an exec whose client left, as containerd's CRI does when an exec stream's context ends. Docker
   * has no call for it. It first waits for the process: the engine reports an exec Running as soon as its start is
   * requested, before the process exists (Pid 0), and a client that leaves at once (or a busy engine) would
   * otherwise leave the exec to start and run on unseen. When the agent shares the engine's PID namespace (npm
   * start on the host) it signals the process tree itself through /proc; otherwise (an agent in its own container,
   * as in docker-compose.yml) it finds no such PID and instead runs a `kill` inside the container for the processes
   * carrying the exec's session marker: no `pid: host` for the agent. A container without sh keeps the exec (it is
   * logged by the caller).
   */
  async #killExec(execId: string, marker: string, prefix = false): Promise<boolean> {
    let info: ExecInspect;
    try {
      info = await this.#execUntil(execId, (i) => !i.Running || i.Pid > 0);
    } catch {
      return false; // the exec or its container is gone: nothing left to kill
    }
    if (!info.Running || !(info.Pid > 0)) return false;
    if ((await this.#killTree(info.Pid, info.ContainerID)) > 0) return true;
    try {
      const r = await this.exec(info.ContainerID, ['sh', '-c', KILL_MARKED, 'sh', marker, prefix ? 'prefix' : 'exact'], 10_000);
      return r.exitCode === 0 && r.output.trim() !== '';
    } catch {
      return false; // the container stopped meanwhile, or has no sh
    }
  }

  /**
   * stats reads one sample (one-shot: Docker answers at its next collection tick, within about a second, without
   * waiting for a second sample to fill precpu_stats; the sampler computes rates from its own samples).
   */
  async stats(id: string): Promise<ContainerStats> {
    const s = await this.#stats.json<DockerStats>({ method: 'GET', path: `/containers/${id}/stats?stream=false&one-shot=true` });
    const mem = s.memory_stats ?? {};
    // Working set as kubelet computes it: usage minus inactive file pages (cgroup v2 inactive_file, v1 total_inactive_file).
    const inactive = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? 0;
    const timeMs = Date.parse(s.read);
    // A stopped container answers with a zero time and zero counters: no sample rather than a wrong rate.
    if (!(timeMs > 0)) throw new Error(`container ${id} is not running`);
    return { timeMs, cpuUsageCoreNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0, memoryWorkingSetBytes: Math.max(0, (mem.usage ?? 0) - inactive) };
  }

  async logs(id: string, req: LogRequest): Promise<Readable> {
    const q = new URLSearchParams({ stdout: '1', stderr: '1' });
    if (req.follow) q.set('follow', '1');
    if (req.timestamps) q.set('timestamps', '1');
    if (req.tailLines !== undefined) q.set('tail', String(req.tailLines));
    if (req.sinceSeconds !== undefined) q.set('since', String(Math.floor(Date.now() / 1000) - req.sinceSeconds));
    // Docker takes a fractional Unix time, so sinceTime keeps its sub-second part.
    else if (req.sinceTimeMs !== undefined) q.set('since', (req.sinceTimeMs / 1000).toFixed(3));
    // A container with a terminal logs raw bytes; only one without has Docker's stdout/stderr frames.
    const { Config } = await this.#d.json<{ Config: { Tty?: boolean } }>({ method: 'GET', path: `/containers/${id}/json` });
    const req2 = { method: 'GET' as const, path: `/containers/${id}/logs?${q}` };
    return Config.Tty ? this.#d.stream(req2) : this.#d.demuxed(req2);
  }

  async #create(name: string, body: unknown): Promise<string> {
    const res = await this.#d.json<{ Id: string }>({ method: 'POST', path: `/containers/create?name=${encodeURIComponent(name)}`, body });
    return res.Id;
  }

  async #inspect(id: string): Promise<RuntimeContainer | undefined> {
    const i = await this.#d.json<Inspect>({ method: 'GET', path: `/containers/${id}/json` });
    const labels = parseLabels(i.Config.Labels);
    if (!labels) return undefined;
    const nets = i.NetworkSettings?.Networks ?? {};
    const ip = (this.#network ? nets[this.#network]?.IPAddress : undefined) || i.NetworkSettings?.IPAddress || Object.values(nets).find((n) => n.IPAddress)?.IPAddress;
    const st = state(i.State.Status);
    const c: RuntimeContainer = {
      id: i.Id,
      kind: labels.kind,
      pod: labels.pod,
      containerName: labels.containerName,
      restartCount: labels.restartCount,
      state: st,
      image: i.Config.Image,
      imageId: i.Image,
      createdAt: i.Created,
    };
    const started = time(i.State.StartedAt);
    const finished = time(i.State.FinishedAt);
    if (started) c.startedAt = started;
    if (st === 'exited' || (st === 'created' && i.State.Error)) {
      c.exitCode = i.State.ExitCode;
      c.oomKilled = i.State.OOMKilled;
      if (finished) c.finishedAt = finished;
      if (i.State.Error) c.error = i.State.Error;
      if (st === 'created') c.finishedAt = finished ?? i.Created;
    }
    if (ip) c.ip = ip;
    return c;
  }
}
