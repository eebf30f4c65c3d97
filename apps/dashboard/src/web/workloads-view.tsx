/**
 * @module WorkloadsView: every workload kind, each a list + watch kept live: Deployments, StatefulSets and DaemonSets
 * with their rollouts, revision histories and the writes kubectl makes (scale, restart, undo), Jobs with their
 * completions and suspend, CronJobs with suspend and "Trigger now", and autoscalers on their targets' rows.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { KubeObject } from './api.js';
import { CronJobRow, type CronJob } from './cronjob-row.js';
import { DaemonSetRow } from './daemonset-row.js';
import { DeploymentRow, type Workload } from './deployment-row.js';
import type { Hpa } from './hpa.js';
import { JobRow, type JobLike } from './job-row.js';
import type { Revision } from './revision-history.js';
import type { DaemonSetLike, StatefulSetLike } from './rollout-status.js';
import { StatefulSetRow } from './statefulset-row.js';
import { useCollection } from './use-collection.js';
import { useNow } from './use-now.js';

const byName = <T extends KubeObject>(items: readonly T[]): T[] => [...items].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));

/** Section is one kind's table, left out while the kind has no objects. */
function Section({ title, kind, count, headers, children }: { title: string; kind: string; count: number; headers: string[]; children: ComponentChildren }) {
  if (!count) return null;
  return (
    <>
      <h2>{title}</h2>
      <table class="grid cards" data-kind={kind}>
        <thead>
          <tr>
            {headers.map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </>
  );
}

export function WorkloadsView() {
  const deployments = useCollection<Workload>('/apis/apps/v1/deployments');
  const replicaSets = useCollection<Workload>('/apis/apps/v1/replicasets');
  const statefulSets = useCollection<StatefulSetLike>('/apis/apps/v1/statefulsets');
  const daemonSets = useCollection<DaemonSetLike>('/apis/apps/v1/daemonsets');
  const revisions = useCollection<Revision>('/apis/apps/v1/controllerrevisions');
  const jobs = useCollection<JobLike>('/apis/batch/v1/jobs');
  const cronJobs = useCollection<CronJob>('/apis/batch/v1/cronjobs');
  const hpas = useCollection<Hpa>('/apis/autoscaling/v2/horizontalpodautoscalers');
  const now = useNow();
  const [error, setError] = useState('');
  return (
    <section class="list" data-view="workloads">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Section title="Deployments" kind="Deployment" count={deployments.items.length} headers={['Namespace', 'Name', 'Ready', 'Up-to-date', 'Available', 'Rollout', 'Revision', '']}>
        {byName(deployments.items).map((d) => (
          <DeploymentRow key={d.metadata.uid} d={d} replicaSets={replicaSets.items} hpas={hpas.items} onError={setError} />
        ))}
      </Section>
      <Section title="StatefulSets" kind="StatefulSet" count={statefulSets.items.length} headers={['Namespace', 'Name', 'Ready', 'Updated', 'Rollout', 'Revision', '']}>
        {byName(statefulSets.items).map((s) => (
          <StatefulSetRow key={s.metadata.uid} sts={s} revisions={revisions.items} hpas={hpas.items} onError={setError} />
        ))}
      </Section>
      <Section title="DaemonSets" kind="DaemonSet" count={daemonSets.items.length} headers={['Namespace', 'Name', 'Desired', 'Updated', 'Available', 'Rollout', '']}>
        {byName(daemonSets.items).map((d) => (
          <DaemonSetRow key={d.metadata.uid} ds={d} revisions={revisions.items} onError={setError} />
        ))}
      </Section>
      <Section title="Jobs" kind="Job" count={jobs.items.length} headers={['Namespace', 'Name', 'Completions', 'Progress', 'Active', 'Failed', 'Conditions', '']}>
        {byName(jobs.items).map((j) => (
          <JobRow key={j.metadata.uid} job={j} onError={setError} />
        ))}
      </Section>
      <Section title="CronJobs" kind="CronJob" count={cronJobs.items.length} headers={['Namespace', 'Name', 'Schedule', 'Suspend', 'Last schedule', 'Active', '']}>
        {byName(cronJobs.items).map((c) => (
          <CronJobRow key={c.metadata.uid} cj={c} now={now} onError={setError} />
        ))}
      </Section>
    </section>
  );
}
