#!/usr/bin/env node
// Benchmark orchestrator. Runs scenario modules (bench/scenarios/*.mjs, listed in SCENARIOS below) one after
// another, prints one table per scenario and summary lines, and writes bench/results/<prefix>-<timestamp>.json plus
// bench/results/latest.json.
//
//   npm run bench                         every scenario (under 10 minutes on a quiet 2-core machine)
//   npm run bench -- --quick              smaller counts and shorter runs (under a minute): a smoke test of every
//                                         row, not figures to quote, on 4 lanes side by side (QUICK_CHAINS below;
//                                         --lanes N: N lanes, --serial: one)
//   npm run bench -- --only create,watch  only these scenarios (plus what they need, e.g. create needs echo)
//   npm run bench -- --list               list scenario names
//
// A scenario module (any bench/scenarios/*.mjs; ORDER below fixes the order of the known ones) exports:
//   name: string                    selectable with --only
//   description?: string              shown by --list
//   needs?: string[]                scenarios whose results this one reads (run first, added to --only)
//   run(ctx): Promise<row[]>        rows are flat objects; one table per scenario (column set = union of keys)
//   summarize?(results): string[]   called after all scenarios with { [name]: rows } (only those that ran)
// ctx = { quick, log(msg), results (rows of scenarios that already ran), scale(full, quick), apiServer() }.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planChains, runLanes } from './lib/lanes.mjs';
import { startApiServer } from './lib/procs.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
// Every bench/scenarios/*.mjs is a scenario; these run first, in this order, then any others by file name.
const ORDER = ['echo', 'create', 'get', 'list', 'update', 'watch', 'memory'];
// --quick runs its scenarios on QUICK_LANES lanes (--lanes N; --serial: one), chains of QUICK_CHAINS: a lane takes the
// next chain not yet taken and runs it one scenario after another, so those that mostly wait (on Docker, fixed
// windows, grace periods, roll-out batches) run beside those that keep the cores busy (whose rates then share the
// machine with them: a quick run is a smoke test, its figures are not the full run's). The order puts the long
// ones first, a waiting one beside the busy ones, so that no lane is left with a long tail. A chain keeps together
// what must run in order: create after echo (its ratios), and the scenarios of the shared api-server (ctx.apiServer)
// one at a time, so each one's server CPU per request is its own.
const QUICK_LANES = 4;
const QUICK_CHAINS = [
  ['watch'],
  ['echo', 'create', 'get', 'list', 'update', 'write-path'],
  ['node-stats'],
  ['controller-manager'],
  ['idle'],
  ['end-to-end'],
  ['services'],
  ['workloads'],
  ['scheduler'],
  ['node-agent'],
  ['memory'],
  ['startup'],
];
const rank = (f) => (ORDER.includes(f) ? ORDER.indexOf(f) : ORDER.length);
const SCENARIOS = readdirSync(join(HERE, 'scenarios'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    serial: { type: 'boolean', default: false },
    lanes: { type: 'string' },
    list: { type: 'boolean', default: false },
    out: { type: 'string', default: join(HERE, 'results') },
    prefix: { type: 'string', default: 'api-server' },
  },
});

const modules = new Map();
for (const file of SCENARIOS) {
  const mod = await import(join(HERE, 'scenarios', `${file}.mjs`));
  modules.set(mod.name, mod);
}
if (args.list) {
  for (const m of modules.values()) console.log(`${m.name.padEnd(10)} ${m.description ?? ''}`);
  process.exit(0);
}

let selected = [...modules.keys()];
if (args.only) {
  const wanted = new Set(args.only.split(',').map((s) => s.trim()).filter(Boolean));
  for (const w of wanted) if (!modules.has(w)) throw new Error(`unknown scenario "${w}"; known: ${[...modules.keys()].join(', ')}`);
  const add = (n) => {
    for (const dep of modules.get(n).needs ?? []) add(dep);
    wanted.add(n);
  };
  for (const w of [...wanted]) add(w);
  selected = selected.filter((n) => wanted.has(n));
}

const started = new Date();
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
const results = {};
const errors = {};
const loads = {};
// Wall time of each scenario (its set-up and clean-up included), printed as a table with the total and kept in the
// JSON, so the length of a full run can be quoted per scenario.
const durations = {};
// When each scenario started, in seconds from the run's start: with lanes, what ran beside what.
const startedAt = {};
// CPU seconds of this process and of the children it has reaped (every process a scenario starts is stopped by its
// end), per scenario: what bounds a run's length on a 2-core machine whatever the load. Only with one lane: lanes
// reap each other's children, and quick's shared api-server counts in the total only.
const cpus_ = {};
const treeCpuSeconds = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // utime stime cutime cstime, USER_HZ 100
};
// ctx.apiServer() starts an api-server with the default flags; in --quick, get, list, update and write-path share one
// (each in a namespace of its own: its start-up was a quarter of such a scenario's quick time), stopped at the end.
let shared;
const apiServer = async () => {
  if (!args.quick) return startApiServer();
  shared ??= startApiServer();
  return { ...(await shared), stop: async () => {} };
};
const ctx = { quick: args.quick, log, results, scale: (full, quick) => (args.quick ? quick : full), apiServer };

const laneCount = !args.quick || args.serial ? 1 : Number(args.lanes ?? QUICK_LANES);
if (!(Number.isInteger(laneCount) && laneCount >= 1)) throw new Error(`--lanes wants a whole number of lanes, 1 or more; got "${args.lanes}"`);
// One lane runs the selection in its order (a full run, --serial); more lanes run QUICK_CHAINS.
const chains = laneCount > 1 ? planChains(selected, QUICK_CHAINS, (n) => modules.get(n).needs ?? []) : [selected];
log(`scenarios on ${Math.min(laneCount, chains.length)} lane(s): ${chains.map((c) => c.join(', ')).join(' | ')}${args.quick ? ' (quick: a smoke test; its figures are not the full run\'s)' : ''}`);
const laneOf = await runLanes(chains, laneCount, runScenario);
const lanes = Array.from({ length: Math.max(...Object.values(laneOf), 1) }, (_, i) => selected.filter((n) => laneOf[n] === i + 1));
await (await shared?.catch(() => undefined))?.stop();

async function runScenario(name) {
  const mod = modules.get(name);
  const t0 = Date.now();
  startedAt[name] = Math.round((t0 - started.getTime()) / 100) / 10;
  const cpu0 = treeCpuSeconds();
  // Other work on the machine skews every number here: record the load average around each scenario.
  log(`--- ${name} (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  const load = { before: loadavg()[0] };
  try {
    results[name] = await mod.run(ctx);
    printTable(name, results[name]);
  } catch (err) {
    errors[name] = err.stack ?? String(err);
    log(`scenario ${name} FAILED: ${err.stack ?? err}`);
  }
  load.after = loadavg()[0];
  loads[name] = load;
  durations[name] = Math.round((Date.now() - t0) / 100) / 10;
  cpus_[name] = Math.round((treeCpuSeconds() - cpu0) * 10) / 10;
  log(`--- ${name} done in ${durations[name].toFixed(1)} s (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}

const durationSeconds = Math.round((Date.now() - started.getTime()) / 1000);
printTable('wall time', [
  ...selected.map((name) => ({ scenario: name, ...(lanes.length > 1 ? { lane: laneOf[name], startedAt: startedAt[name] } : { cpuSeconds: cpus_[name] }), seconds: durations[name], loadBefore: loads[name]?.before, loadAfter: loads[name]?.after })),
  { scenario: 'total', cpuSeconds: Math.round(treeCpuSeconds() * 10) / 10, seconds: durationSeconds },
]);

const summary = [];
for (const name of selected) {
  const mod = modules.get(name);
  if (mod.summarize && results[name]) summary.push(...mod.summarize(results));
}
if (summary.length) {
  console.log(args.quick ? '\nSummary (--quick: smoke readings at small sizes and short windows, beside the Docker scenarios; quote the full run)' : '\nSummary');
  for (const line of summary) console.log(`  ${line}`);
}

const report = {
  startedAt: started.toISOString(),
  durationSeconds,
  scenarioSeconds: durations,
  quick: args.quick,
  lanes,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  scenarios: selected,
  results,
  summary,
  loadAverage1m: loads,
  errors,
};
mkdirSync(args.out, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
const file = join(args.out, `${args.prefix}-${stamp}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
writeFileSync(join(args.out, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
log(`wrote ${file} and latest.json`);
process.exit(Object.keys(errors).length ? 1 : 0);

function printTable(title, rows) {
  if (!Array.isArray(rows) || rows.length === 0) return;
  const cols = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k) && r[k] !== undefined && typeof r[k] !== 'object') cols.push(k);
  const cell = (v) => (v === undefined || v === null ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  const table = [cols, ...rows.map((r) => cols.map((c) => cell(r[c])))];
  const widths = cols.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  console.log(`\n${title}`);
  table.forEach((line, n) => {
    console.log('  ' + line.map((v, i) => (typeof rows[0]?.[cols[i]] === 'number' || (n > 0 && /^-?[\d.]+$/.test(v)) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  '));
    if (n === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  });
}
