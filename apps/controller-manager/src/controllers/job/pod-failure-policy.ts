/**
 * @module matchPodFailurePolicy: which rule of a Job's podFailurePolicy a failed pod meets (kube's
 * pkg/controller/job/pod_failure_policy.go, without the FailIndex action's per-index backoff).
 */
import type { JobSpec, Pod, PodFailurePolicyAction } from '@skiff/api';

export interface PolicyMatch {
  action: PodFailurePolicyAction;
  /** The Failed condition's message when the action is FailJob, worded as kube's. */
  message: string;
}

/** matchPodFailurePolicy returns the first rule a failed pod meets, or undefined when none does (it then counts). */
export function matchPodFailurePolicy(policy: JobSpec['podFailurePolicy'], pod: Pod): PolicyMatch | undefined {
  const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const rules = policy?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    const codes = rule.onExitCodes;
    if (codes) {
      for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        if (codes.containerName && codes.containerName !== cs.name) continue;
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        if (codes.values.includes(code) === (codes.operator === 'In')) {
          return { action: rule.action, message: `Container ${cs.name} for pod ${where} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
    for (const want of rule.onPodConditions ?? []) {
      if (pod.status?.conditions?.some((c) => c.type === want.type && c.status === (want.status ?? 'True'))) {
        return { action: rule.action, message: `Pod ${where} has condition ${want.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}
