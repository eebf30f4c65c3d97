import { describe, expect, it } from 'vitest';
// Here rather than beside the scenario: bench/run.mjs loads every bench/scenarios/*.mjs as a scenario.
import { summarize } from '../scenarios/write-path.mjs';

const rows = [
  ['create', 0.44],
  ['binding', 0.27],
  ['status PATCH (Pending)', 0.52],
  ['status PATCH (Running)', 0.41],
  ['PUT', 0.75],
  ['event create', 0.2],
].map(([op, serverCpuMsPerOp]) => ({ op, serverCpuMsPerOp }));

describe('write-path summary', () => {
  it("sums a pod's writes with the 4 events its components send, and sets the echo's cost for the same 8 requests beside it", () => {
    const [sum, floor] = summarize({ 'write-path': rows, echo: [{ concurrency: 16, opsPerSec: 9178, serverCpuPct: 105 }] });
    expect(sum).toMatch(/\(create \+ binding \+ 4 events \+ 2 status PATCHes\) 2\.44 ms/); // 0.44 + 0.27 + 4 x 0.2 + 0.52 + 0.41
    expect(floor).toBe("write path: the echo's 0.114 ms a request x 8 requests = 0.92 ms a pod; the handlers add 1.52 ms");
  });

  it('prints no echo line when the echo did not run', () => {
    expect(summarize({ 'write-path': rows })).toHaveLength(1);
  });
});
