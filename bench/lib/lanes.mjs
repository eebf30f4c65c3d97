// Lanes of a --quick run: scenarios that mostly wait (on Docker, on fixed windows, on grace periods) run beside the
// ones that keep the cores busy, so a 2-core machine is not left idle while one of them waits.

/**
 * planChains groups the selected scenario names into chains, each run one scenario after another by one lane:
 * `plan`'s chains in their order (names not selected left out, empty chains dropped), then every selected name no
 * chain holds as a chain of its own, in selection order. A scenario whose `needs` (needsOf(name)) are selected must
 * come after them in the same chain: across chains nothing orders them.
 */
export function planChains(selected, plan, needsOf = () => []) {
  const wanted = new Set(selected);
  const chains = plan.map((chain) => chain.filter((n) => wanted.has(n))).filter((chain) => chain.length);
  const planned = new Set(chains.flat());
  for (const name of selected) if (!planned.has(name)) chains.push([name]);
  for (const chain of chains) {
    chain.forEach((name, i) => {
      for (const dep of needsOf(name)) {
        if (wanted.has(dep) && !chain.slice(0, i).includes(dep)) throw new Error(`scenario "${name}" needs "${dep}" earlier in its lane's chain: ${chain.join(', ')}`);
      }
    });
  }
  return chains;
}

/**
 * runLanes runs `chains` on `lanes` lanes: each lane takes the first chain no lane has taken yet, runs its
 * scenarios one after another (await run(name, lane)), then takes the next, until none is left. Resolves with the
 * lane (1-based) that ran each scenario. run is to catch and record its scenario's errors (a throw ends the run).
 */
export async function runLanes(chains, lanes, run) {
  const laneOf = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(lanes, chains.length)) }, async (_, i) => {
      for (let c = next++; c < chains.length; c = next++) {
        for (const name of chains[c]) {
          laneOf[name] = i + 1;
          await run(name, i + 1);
        }
      }
    }),
  );
  return laneOf;
}
