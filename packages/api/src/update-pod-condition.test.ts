import { describe, expect, it } from 'vitest';
import type { PodStatus } from './pod.js';
import { updatePodCondition } from './update-pod-condition.js';

const T = Date.parse('2026-01-01T00:00:00Z');

describe('updatePodCondition', () => {
  it('appends a new condition with lastTransitionTime now', () => {
    const status: PodStatus = { conditions: [{ type: 'Ready', status: 'True' }] };
    expect(updatePodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'R', message: 'm' }, T)).toBe(true);
    expect(status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'DisruptionTarget', status: 'True', reason: 'R', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });

  it('keeps lastTransitionTime while the status stays, moves it when the status changes, and reports no change for the same condition', () => {
    const status: PodStatus = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'A', message: 'a', lastTransitionTime: '2025-01-01T00:00:00Z' }] };
    expect(updatePodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'A', message: 'a' }, T)).toBe(false);
    expect(updatePodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'B', message: 'b' }, T)).toBe(true);
    expect(status.conditions![0]).toMatchObject({ reason: 'B', lastTransitionTime: '2025-01-01T00:00:00Z' });
    expect(updatePodCondition(status, { type: 'DisruptionTarget', status: 'False', reason: 'B', message: 'b' }, T)).toBe(true);
    expect(status.conditions).toEqual([{ type: 'DisruptionTarget', status: 'False', reason: 'B', message: 'b', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });
});
