/**
 * @module JobRow: a Job's completions (succeeded out of completions, with active and failed pods), its True
 * conditions (Complete, Failed, Suspended ... with their reasons) and the suspend/resume toggle (spec.suspend, which
 * the Job controller answers by deleting or creating the active pods).
 */
import type { KubeObject } from './api.js';
import type { Condition } from './model.js';
import { objectPath } from './workload-actions.js';
import { Actions, Progress, SuspendToggle, type OnError } from './workload-parts.js';

export interface JobLike extends KubeObject {
  spec?: { completions?: number; parallelism?: number; suspend?: boolean };
  status?: { succeeded?: number; failed?: number; active?: number; conditions?: Condition[] };
}

/** finished is kube's IsJobFinished: a Complete or Failed condition is True, after which suspend means nothing. */
const finished = (j: JobLike) => !!j.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

export function JobRow({ job, onError }: { job: JobLike; onError: OnError }) {
  const { name, namespace } = job.metadata;
  const path = objectPath('batch/v1', 'jobs', job.metadata);
  const s = job.status ?? {};
  // A Job with neither completions nor parallelism is done at its first success (defaulting sets completions 1).
  const want = job.spec?.completions ?? 1;
  const suspended = job.spec?.suspend === true;
  const conditions = (s.conditions ?? []).filter((c) => c.status === 'True');
  return (
    <tr data-job={`${namespace}/${name}`} data-suspended={suspended ? 'true' : 'false'}>
      <td data-label="Namespace">{namespace}</td>
      <td data-label="Name">{name}</td>
      <td data-label="Completions" data-field="completions">
        {s.succeeded ?? 0}/{want}
      </td>
      <td data-label="Progress">
        <Progress done={s.succeeded ?? 0} want={want} />
      </td>
      <td data-label="Active" data-field="active">{s.active ?? 0}</td>
      <td data-label="Failed" data-field="failed">{s.failed ?? 0}</td>
      <td data-label="Conditions" data-field="conditions">
        {conditions.map((c) => (
          <span key={c.type} class={`badge condition-${c.type}`} data-condition={c.type} title={c.message ?? ''}>
            {c.type}
            {c.reason && c.reason !== c.type ? `: ${c.reason}` : ''}
          </span>
        ))}
      </td>
      <Actions name={name} path={path} onError={onError}>
        {!finished(job) && <SuspendToggle path={path} suspended={suspended} onError={onError} />}
      </Actions>
    </tr>
  );
}
