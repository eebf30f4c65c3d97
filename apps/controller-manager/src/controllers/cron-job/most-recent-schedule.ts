/**
 * @module mostRecentScheduleTime: which start time a CronJob owes now, after kube's cronjob utils.go.
 */
import { parseCronSchedule, type CronJob } from '@skiff/api';

/** TOO_MANY_MISSED is the count of missed start times past which kube warns (TooManyMissedTimes). */
export const TOO_MANY_MISSED = 100;

export interface ScheduleState {
  /** The latest start time in (earliest, now], if any: the one run a late controller catches up on. */
  mostRecent?: number;
  /** How many start times were missed in that window (kube's estimate for regular schedules). */
  missed: number;
  /** The next start time after now. */
  next: number;
}

/**
 * mostRecentScheduleTime looks at the start times between the last one handled (or the CronJob's creation, or now
 * minus startingDeadlineSeconds if later) and now. Only the most recent of them is run, so a controller that was
 * down for hours starts one Job, not hundreds; the count of the missed ones is reported.
 */
export function mostRecentScheduleTime(cj: CronJob, now: number): ScheduleState {
  const schedule = parseCronSchedule(cj.spec.schedule, cj.spec.timeZone);
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
  const sds = cj.spec.startingDeadlineSeconds;
  if (sds !== undefined && now - sds * 1000 > earliest) earliest = now - sds * 1000;
  const next = schedule.next(now);
  const t1 = schedule.next(earliest);
  if (t1 > now) return { missed: 0, next };
  const t2 = schedule.next(t1);
  if (t2 > now) return { mostRecent: t1, missed: 1, next };
  // Counting every start time of a long outage one by one would be slow; kube estimates from the interval too.
  const interval = Math.max(1000, t2 - t1);
  const missed = Math.floor((now - t1) / interval) + 1;
  return { mostRecent: schedule.prev(now), missed, next };
}
