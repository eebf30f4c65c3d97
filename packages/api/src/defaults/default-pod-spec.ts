/**
 * @module Pod spec defaulting (core/v1 defaults.go SetDefaults_PodSpec and the per-field defaulters), shared by pods
 * and pod templates. What kube sets only on a Pod (SetDefaults_Pod, Priority admission) lives in defaultPod, so a
 * Deployment's template stores what kube's would.
 */
import type { Container, HTTPGetAction, Lifecycle, PodSpec, Probe } from '../pod.js';
import { defaultImagePullPolicy } from './default-image-pull-policy.js';

/** DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS is the grace period a pod gets when it does not ask for one. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/**
 * defaultPodSpec fills in what Kubernetes stores for an unset field, so clients (and the node agent) read one
 * explicit value, and so an update that omits a default does not look like a spec change.
 */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.securityContext ??= {};
  spec.containers ??= [];
  for (const c of spec.containers) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    // A volume with no source is an emptyDir, as SetDefaults_Volume decides.
    if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
    // SetDefaults_HostPathVolumeSource: HostPathUnset, no check before mounting.
    if (v.hostPath) v.hostPath.type ??= '';
    if (v.configMap) v.configMap.defaultMode ??= 0o644;
    if (v.secret) v.secret.defaultMode ??= 0o644;
    if (v.downwardAPI) v.downwardAPI.defaultMode ??= 0o644;
    if (v.projected) {
      v.projected.defaultMode ??= 0o644;
      for (const src of v.projected.sources ?? []) if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
}

/** defaultContainer defaults one container (SetDefaults_Container and what its fields' defaulters add). */
export function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const port of c.ports ?? []) port.protocol ??= 'TCP';
  for (const env of c.env ?? []) {
    const ref = env.valueFrom?.fieldRef;
    if (ref) ref.apiVersion ??= 'v1';
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  defaultLifecycle(c.lifecycle);
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) defaultHttpGet(p.httpGet);
}

function defaultLifecycle(l: Lifecycle | undefined): void {
  if (l?.postStart?.httpGet) defaultHttpGet(l.postStart.httpGet);
  if (l?.preStop?.httpGet) defaultHttpGet(l.preStop.httpGet);
}

function defaultHttpGet(h: HTTPGetAction): void {
  h.path ??= '/';
  h.scheme ??= 'HTTP';
}
