import { describe, expect, it } from 'vitest';
import { causesOf, createObject } from './kind-test-helpers.js';
import { cronJobKind, parseCronSchedule, type CronJob } from './cron-job.js';

const NOW = Date.UTC(2025, 0, 1, 12);

const create = (body: unknown): CronJob => createObject<CronJob>('cronjobs', body);

const body = (spec: Record<string, unknown> = {}, name = 'hello') => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
    ...spec,
  },
});

describe('cronJobKind', () => {
  it('defaults concurrencyPolicy Allow, suspend false and history limits 3 and 1, leaving the Job fields to the Jobs', () => {
    const cj = create(body());
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it('refuses a bad schedule, an unknown time zone, a six-field schedule, TZ= in the schedule and a name over 52 characters', () => {
    expect(causesOf(() => create(body({ schedule: 'every minute' })))).toEqual([
      expect.stringMatching(/^spec\.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2/),
    ]);
    expect(causesOf(() => create(body({ schedule: '0 0 * * * *' })))).toEqual([expect.stringMatching(/^spec\.schedule: Invalid value: "0 0 \* \* \* \*": expected exactly 5 fields, found 6/)]);
    expect(causesOf(() => create(body({ schedule: '61 * * * *' })))).toEqual([expect.stringMatching(/^spec\.schedule: Invalid value: "61 \* \* \* \*": /)]);
    expect(causesOf(() => create(body({ schedule: 'TZ=UTC 0 * * * *' })))).toEqual([expect.stringMatching(/use the timeZone field/)]);
    expect(causesOf(() => create(body({ timeZone: 'Mars/Olympus' })))).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    expect(causesOf(() => create(body({}, 'x'.repeat(53))))).toEqual([`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]);
    expect(causesOf(() => create(body({ concurrencyPolicy: 'Sometimes' })))).toEqual(['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
  });

  it('refuses a job template whose pods would restart forever', () => {
    const b = body();
    (b.spec.jobTemplate.spec.template.spec as { restartPolicy?: string }).restartPolicy = 'Always';
    expect(causesOf(() => create(b))).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "Never", "OnFailure"']);
  });

  it('evaluates schedules in the time zone: 09:00 in New York is 14:00 UTC in winter', () => {
    const s = parseCronSchedule('0 9 * * *', 'America/New_York');
    expect(new Date(s.next(NOW)).toISOString()).toBe('2025-01-01T14:00:00.000Z');
    expect(new Date(parseCronSchedule('@hourly').next(NOW)).toISOString()).toBe('2025-01-01T13:00:00.000Z');
    expect(new Date(parseCronSchedule('*/5 * * * *').next(NOW + 1)).toISOString()).toBe('2025-01-01T12:05:00.000Z');
  });

  it('prints kubectl 1.32 columns', () => {
    const cj = create(body({ timeZone: 'Europe/Paris' }));
    cj.metadata.creationTimestamp = new Date(NOW - 3_600_000).toISOString();
    expect(cronJobKind.printer!.columns.map((c) => c.name)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    expect(cronJobKind.printer!.cells(cj, NOW)).toEqual(['hello', '*/1 * * * *', 'Europe/Paris', 'False', 0, '<none>', '60m', 'c', 'busybox', '<none>']);
    cj.status = { active: [{ name: 'hello-1' }], lastScheduleTime: new Date(NOW - 30_000).toISOString() };
    expect(cronJobKind.printer!.cells(cj, NOW).slice(4, 6)).toEqual([1, '30s']);
  });
});
