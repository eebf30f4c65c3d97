import { describe, expect, it } from 'vitest';
import { isPodPhaseTerminal, isPodTerminal } from './is-pod-terminal.js';

describe('isPodTerminal', () => {
  it.each([
    ['Succeeded', true],
    ['Failed', true],
    ['Running', false],
    ['Pending', false],
    ['Unknown', false],
    [undefined, false],
  ])('phase %s -> %s', (phase, terminal) => {
    expect(isPodPhaseTerminal(phase)).toBe(terminal);
    expect(isPodTerminal({ status: phase === undefined ? undefined : { phase } })).toBe(terminal);
  });

  it('treats a pod without status as not terminal', () => {
    expect(isPodTerminal({})).toBe(false);
    expect(isPodTerminal({ status: null })).toBe(false);
  });
});
