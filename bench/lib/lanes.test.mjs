import { describe, expect, it } from 'vitest';
import { planChains, runLanes } from './lanes.mjs';

/** deferred is a promise with its resolve, so a test decides when each scenario ends. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('planChains', () => {
  it('keeps the plan order, leaves out what is not selected and appends the rest as chains of their own', () => {
    const chains = planChains(['a', 'b', 'c', 'd', 'e'], [['x', 'b'], ['c', 'a'], ['y']]);
    expect(chains).toEqual([['b'], ['c', 'a'], ['d'], ['e']]);
  });

  it('refuses a scenario whose needs are not earlier in its chain', () => {
    const needs = { create: ['echo'] };
    expect(planChains(['echo', 'create'], [['echo', 'create']], (n) => needs[n] ?? [])).toEqual([['echo', 'create']]);
    expect(() => planChains(['echo', 'create'], [['create'], ['echo']], (n) => needs[n] ?? [])).toThrow(/"create" needs "echo"/);
    expect(() => planChains(['echo', 'create'], [['create', 'echo']], (n) => needs[n] ?? [])).toThrow(/"create" needs "echo"/);
    // A need that is not selected (--only) orders nothing.
    expect(planChains(['create'], [['echo', 'create']], (n) => needs[n] ?? [])).toEqual([['create']]);
  });
});

describe('runLanes', () => {
  it('gives the next chain to whichever lane is free first and runs a chain in order', async () => {
    const ends = Object.fromEntries(['a1', 'a2', 'b', 'c', 'd'].map((n) => [n, deferred()]));
    const log = [];
    const done = runLanes([['a1', 'a2'], ['b'], ['c'], ['d']], 2, async (name, lane) => {
      log.push(`${name}@${lane}`);
      await ends[name].promise;
    });
    await tick();
    expect(log).toEqual(['a1@1', 'b@2']);
    ends.b.resolve();
    await tick();
    // Lane 2 is free first: it takes the next chain while lane 1 is still on a1.
    expect(log).toEqual(['a1@1', 'b@2', 'c@2']);
    ends.a1.resolve();
    await tick();
    expect(log).toEqual(['a1@1', 'b@2', 'c@2', 'a2@1']);
    ends.a2.resolve();
    await tick();
    expect(log.at(-1)).toBe('d@1');
    ends.c.resolve();
    ends.d.resolve();
    expect(await done).toEqual({ a1: 1, a2: 1, b: 2, c: 2, d: 1 });
  });

  it('runs everything in order on one lane, and starts no more lanes than chains', async () => {
    const log = [];
    expect(await runLanes([['a', 'b', 'c']], 3, async (name, lane) => void log.push(`${name}@${lane}`))).toEqual({ a: 1, b: 1, c: 1 });
    expect(log).toEqual(['a@1', 'b@1', 'c@1']);
  });
});
