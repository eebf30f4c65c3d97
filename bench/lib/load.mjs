// Load generators: closed loop (N workers, each sends its next request when the previous answer arrived) and
// open loop (requests start on a fixed schedule regardless of answers). Both are bounded in time and count.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Samples, round, summarize } from './stats.mjs';

/**
 * newPool is the one keep-alive client configuration used for every target (api-server and Express echo alike):
 * an undici Pool with up to 64 connections, no pipelining.
 */
export function newPool(url, connections = 64, connect = undefined) {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000, ...(connect ? { connect } : {}) });
}

/**
 * request sends one request and reads the whole body as text; it returns { status, body }. A body is sent as
 * application/json unless `headers` names another content-type (a merge or JSON patch, YAML), in any case.
 */
export async function request(pool, method, path, body, headers = undefined) {
  const opts = { method, path, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    opts.body = body;
    if (!Object.keys(opts.headers).some((k) => k.toLowerCase() === 'content-type')) opts.headers['content-type'] = 'application/json';
  }
  const res = await pool.request(opts);
  const text = await res.body.text();
  return { status: res.statusCode, body: text };
}

/** expectOk throws unless the status is 2xx. */
export function expectOk(r, what) {
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  return r;
}

/**
 * closedLoop runs `op(i, worker)` from `concurrency` workers until `durationMs` has passed or `maxOps` ops have
 * started. op resolves to true on success, false on a failed (non-2xx) answer; it throws on transport errors.
 * Returns ops/s and latency percentiles (ms) of successful ops.
 */
export async function closedLoop({ concurrency, durationMs, maxOps = Infinity, op }) {
  const lat = new Samples();
  let next = 0;
  let errors = 0;
  let firstError;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  async function worker(w) {
    while (next < maxOps && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await op(i, w);
      } catch (err) {
        firstError ??= err;
      }
      if (ok) lat.push(performance.now() - t0);
      else errors++;
      if (errors > 100 && errors > lat.length) throw new Error(`too many errors (${errors}); first: ${firstError?.message ?? 'non-2xx answer'}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  const s = summarize(lat.values());
  return { concurrency, ops: s.n, errors, seconds: round(seconds, 2), opsPerSec: round(s.n / seconds, 0), p50: round(s.p50), p99: round(s.p99), max: round(s.max), clientCpuPct: cpuPct(cpu0, seconds), firstError: firstError?.message };
}

/**
 * openLoop starts `op(i)` at a fixed `rate` per second for `durationMs`, however long answers take (at most
 * `maxInFlight` outstanding; a start that would exceed it is counted as dropped). Latency is reported twice: from
 * the moment the request was actually sent (service time) and from the moment it was scheduled (includes any delay
 * in this process's timer loop: the coordinated-omission-free figure).
 */
export async function openLoop({ rate, durationMs, op, maxInFlight = 1000 }) {
  const service = new Samples();
  const scheduled = new Samples();
  const total = Math.floor((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  let started = 0;
  let inFlight = 0;
  let errors = 0;
  let dropped = 0;
  let firstError;
  const pending = new Set();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (started < total && start + started * interval <= now) {
        const i = started++;
        const due = start + i * interval;
        if (inFlight >= maxInFlight) {
          dropped++;
          continue;
        }
        inFlight++;
        const t0 = performance.now();
        const p = Promise.resolve()
          .then(() => op(i))
          .then(
            (ok) => {
              const t1 = performance.now();
              if (ok) {
                service.push(t1 - t0);
                scheduled.push(t1 - due);
              } else errors++;
            },
            (err) => {
              errors++;
              firstError ??= err;
            },
          )
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
      if (started >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + started * interval - performance.now())));
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  const s = summarize(service.values());
  const d = summarize(scheduled.values());
  return {
    targetRate: rate,
    ops: s.n,
    errors,
    dropped,
    achievedPerSec: round(s.n / seconds, 0),
    p50: round(s.p50),
    p99: round(s.p99),
    max: round(s.max),
    p50FromSchedule: round(d.p50),
    p99FromSchedule: round(d.p99),
    clientCpuPct: cpuPct(cpu0, seconds),
    firstError: firstError?.message,
  };
}

/** cpuPct is this process's CPU use since `since` (process.cpuUsage()) as a percentage of one core. */
function cpuPct(since, seconds) {
  const d = process.cpuUsage(since);
  return Math.round((d.user + d.system) / 1e4 / seconds);
}
