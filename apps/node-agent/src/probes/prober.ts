/**
 * @module createProber: liveness, readiness and startup probes (exec, httpGet, tcpSocket), after kubelet's
 * prober/worker.go: one timer per probe of each running container instance.
 */
import { connect } from 'node:net';
import type { Container, ObjectReference, Pod, Probe } from '@skiff/api';
import type { Clock, Logger, TimerHandle } from '@skiff/controller-kit';
import type { ProbeResults } from '../pods/pod-syncer.js';
import type { ContainerRuntime, RuntimeContainer } from '../runtime/container-runtime.js';

type Kind = 'liveness' | 'readiness' | 'startup';

interface Worker {
  containerId: string;
  timer?: TimerHandle;
  stopped: boolean;
}

interface PodProbes {
  workers: Map<string, Worker>;
  unhealthy: Set<string>;
  ready: Map<string, boolean>;
  started: Map<string, boolean>;
}

/** ProbeOutcome is one probe attempt: success, and on failure what kubelet puts in the Unhealthy event. */
export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

/** runProbe runs one probe attempt; it never throws (a runtime error or a timeout is a failure). */
export async function runProbe(runtime: ContainerRuntime, probe: Probe, containerId: string, container: Container, podIP: string): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const port = (p: number | string): number => (typeof p === 'number' ? p : (container.ports?.find((x) => x.name === p)?.containerPort ?? Number(p)));
  try {
    if (probe.exec) {
      const r = await runtime.exec(containerId, probe.exec.command ?? [], timeoutMs);
      return { ok: r.exitCode === 0, message: r.output.trim() || `command exited with ${r.exitCode}` };
    }
    if (probe.httpGet) {
      const h = probe.httpGet;
      const url = `${(h.scheme ?? 'HTTP').toLowerCase()}://${h.host ?? podIP}:${port(h.port)}${h.path ?? '/'}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: Object.fromEntries((h.httpHeaders ?? []).map((x) => [x.name, x.value])) });
      await res.body?.cancel();
      return { ok: res.status >= 200 && res.status < 400, message: `HTTP probe failed with statuscode: ${res.status}` };
    }
    if (probe.tcpSocket) {
      const t = probe.tcpSocket;
      const target = `${t.host ?? podIP}:${port(t.port)}`;
      return await new Promise<ProbeOutcome>((resolve) => {
        const s = connect({ host: t.host ?? podIP, port: port(t.port), timeout: timeoutMs });
        s.once('connect', () => (s.destroy(), resolve({ ok: true, message: '' })));
        s.once('timeout', () => (s.destroy(), resolve({ ok: false, message: `dial tcp ${target}: i/o timeout` })));
        s.once('error', (err) => resolve({ ok: false, message: `dial tcp ${target}: ${err.message}` }));
      });
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  return { ok: true, message: '' };
}

/** ProbeEvents is where failed probes are reported (the agent's EventRecorder). */
export interface ProbeEvents {
  record(obj: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

const PROBE_NAME: Record<Kind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/**
 * createProber returns the ProbeResults a PodSyncer consults. Probing starts after initialDelaySeconds and repeats
 * every periodSeconds; failureThreshold consecutive failures flip the result (liveness/startup failure marks the
 * container unhealthy, so the syncer kills it), successThreshold successes flip it back. Results change only
 * trigger `onChange`, which syncs the pod.
 */
export function createProber(opts: { runtime: ContainerRuntime; clock: Clock; logger: Logger; onChange(uid: string): void; events?: ProbeEvents }): ProbeResults {
  const pods = new Map<string, PodProbes>();
  const podState = (uid: string): PodProbes => {
    let p = pods.get(uid);
    if (!p) pods.set(uid, (p = { workers: new Map(), unhealthy: new Set(), ready: new Map(), started: new Map() }));
    return p;
  };
  const start = (pod: Pod, st: PodProbes, kind: Kind, c: Container, probe: Probe, rc: RuntimeContainer, podIP: string): void => {
    const uid = pod.metadata.uid ?? '';
    const ref: ObjectReference = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', uid, fieldPath: `spec.containers{${c.name}}` };
    const key = `${kind}/${c.name}`;
    const w: Worker = { containerId: rc.id, stopped: false };
    st.workers.set(key, w);
    let failures = 0;
    let successes = 0;
    const tick = async (): Promise<void> => {
      if (w.stopped) return;
      if (kind !== 'startup' && c.startupProbe && !st.started.get(c.name)) return schedule((probe.periodSeconds ?? 10) * 1000);
      const { ok, message } = await runProbe(opts.runtime, probe, rc.id, c, podIP);
      if (w.stopped) return;
      // kubelet reports every failed attempt as an Unhealthy event (the recorder folds repeats into a count).
      if (!ok) opts.events?.record(ref, 'Warning', 'Unhealthy', `${PROBE_NAME[kind]} probe failed: ${message}`);
      if (ok) {
        failures = 0;
        successes++;
      } else {
        successes = 0;
        failures++;
      }
      let changed = false;
      if (kind === 'readiness') {
        const prev = st.ready.get(c.name) ?? false;
        if (!prev && successes >= (probe.successThreshold ?? 1)) (st.ready.set(c.name, true), (changed = true));
        if (prev && failures >= (probe.failureThreshold ?? 3)) (st.ready.set(c.name, false), (changed = true));
      } else if (kind === 'startup') {
        if (ok && !st.started.get(c.name)) (st.started.set(c.name, true), (changed = true));
        if (!ok && failures >= (probe.failureThreshold ?? 3)) (st.unhealthy.add(c.name), (changed = true), (w.stopped = true));
      } else if (!ok && failures >= (probe.failureThreshold ?? 3)) {
        st.unhealthy.add(c.name);
        changed = true;
        w.stopped = true;
        opts.logger.info({ uid, container: c.name }, 'liveness probe failed');
      }
      if (changed) opts.onChange(uid);
      if (kind === 'startup' && st.started.get(c.name)) return;
      schedule((probe.periodSeconds ?? 10) * 1000);
    };
    const schedule = (ms: number): void => {
      if (!w.stopped) w.timer = opts.clock.setTimeout(() => void tick(), ms);
    };
    schedule((probe.initialDelaySeconds ?? 0) * 1000);
  };
  const stop = (w: Worker): void => {
    w.stopped = true;
    if (w.timer) opts.clock.clearTimeout(w.timer);
  };
  return {
    update(pod: Pod, observed: RuntimeContainer[]): void {
      const uid = pod.metadata.uid ?? '';
      const st = podState(uid);
      const podIP = observed.find((c) => c.kind === 'sandbox' && c.state === 'running')?.ip ?? '';
      const live = new Set<string>();
      for (const c of pod.spec.containers) {
        const rc = observed.filter((x) => x.kind === 'container' && x.containerName === c.name).sort((a, b) => b.restartCount - a.restartCount)[0];
        if (!rc || rc.state !== 'running') continue;
        for (const [kind, probe] of [['liveness', c.livenessProbe], ['readiness', c.readinessProbe], ['startup', c.startupProbe]] as const) {
          if (!probe) continue;
          const key = `${kind}/${c.name}`;
          live.add(key);
          const w = st.workers.get(key);
          if (w && w.containerId === rc.id) continue;
          if (w) stop(w);
          // A new instance starts over: not ready, not started, healthy.
          st.ready.delete(c.name);
          st.started.delete(c.name);
          st.unhealthy.delete(c.name);
          start(pod, st, kind, c, probe, rc, podIP);
        }
      }
      for (const [key, w] of st.workers) if (!live.has(key)) (stop(w), st.workers.delete(key));
    },
    remove(uid: string): void {
      const st = pods.get(uid);
      if (!st) return;
      for (const w of st.workers.values()) stop(w);
      pods.delete(uid);
    },
    unhealthy: (uid) => pods.get(uid)?.unhealthy ?? new Set(),
    ready: (uid) => pods.get(uid)?.ready ?? new Map(),
    started: (uid) => pods.get(uid)?.started ?? new Map(),
    clearUnhealthy(uid: string, name: string): void {
      pods.get(uid)?.unhealthy.delete(name);
    },
  };
}
