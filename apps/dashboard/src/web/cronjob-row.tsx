/**
 * @module CronJobRow: a CronJob's schedule (and time zone), the suspend toggle, the last schedule's age, its active
 * Jobs, and "Trigger now", which creates a Job from the jobTemplate as `kubectl create job --from=cronjob/NAME` does.
 */
import { useState } from 'preact/hooks';
import type { KubeObject } from './api.js';
import { age } from './use-now.js';
import { objectPath, triggerCronJob, type CronJobLike } from './workload-actions.js';
import { act, Actions, SuspendToggle, type OnError } from './workload-parts.js';

export interface CronJob extends CronJobLike {
  spec?: CronJobLike['spec'] & { schedule?: string; timeZone?: string; suspend?: boolean };
  status?: { active?: { name?: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export function CronJobRow({ cj, now, onError }: { cj: CronJob; now: number; onError: OnError }) {
  const [created, setCreated] = useState('');
  const { name, namespace } = cj.metadata;
  const path = objectPath('batch/v1', 'cronjobs', cj.metadata);
  const suspended = cj.spec?.suspend === true;
  const last = cj.status?.lastScheduleTime;
  const active = cj.status?.active ?? [];
  const trigger = () => triggerCronJob(cj).then((job: KubeObject) => setCreated(job.metadata.name));
  return (
    <tr data-cronjob={`${namespace}/${name}`} data-suspended={suspended ? 'true' : 'false'}>
      <td data-label="Namespace">{namespace}</td>
      <td data-label="Name">
        {name}
        {created && (
          <div class="ok" role="status" data-created={created}>
            created job/{created}
          </div>
        )}
      </td>
      <td data-label="Schedule" data-field="schedule">
        <code>{cj.spec?.schedule}</code>
        {cj.spec?.timeZone ? ` (${cj.spec.timeZone})` : ''}
      </td>
      <td data-label="Suspend" data-field="suspend">{suspended ? 'True' : 'False'}</td>
      <td data-label="Last schedule" data-field="last-schedule" title={last ?? ''}>
        {last ? `${age(now - Date.parse(last))} ago` : '<none>'}
      </td>
      <td data-label="Active" data-field="active" title={active.map((a) => a.name).join(', ')}>
        {active.length}
      </td>
      <Actions name={name} path={path} onError={onError}>
        <SuspendToggle path={path} suspended={suspended} onError={onError} />
        <button type="button" onClick={act(onError, trigger)}>
          Trigger now
        </button>
      </Actions>
    </tr>
  );
}
