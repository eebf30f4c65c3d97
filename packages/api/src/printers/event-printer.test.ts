import { describe, expect, it } from 'vitest';
import type { Event } from '../index.js';
import { eventLastSeen, eventPrinter } from './event-printer.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (min: number): string => new Date(NOW - min * 60_000).toISOString();

function event(over: Partial<Event>): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'nginx.17f', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: 'Container image "nginx" already present on machine\n',
    type: 'Normal',
    source: { component: 'kubelet', host: 'node1' },
    ...over,
  };
}

describe('eventLastSeen', () => {
  it('shows the age of lastTimestamp for a single event', () => {
    expect(eventLastSeen(event({ firstTimestamp: ago(5), lastTimestamp: ago(5), count: 1 }), NOW)).toBe('5m');
  });

  it('adds the count and the first-seen age for repeated events', () => {
    expect(eventLastSeen(event({ firstTimestamp: ago(10), lastTimestamp: ago(5), count: 3 }), NOW)).toBe('5m (x3 over 10m)');
  });

  it('falls back to eventTime, then firstTimestamp; series overrides count and time', () => {
    expect(eventLastSeen(event({ eventTime: ago(7) }), NOW)).toBe('7m');
    expect(eventLastSeen(event({ firstTimestamp: ago(20) }), NOW)).toBe('20m');
    expect(eventLastSeen(event({ eventTime: ago(30), series: { count: 4, lastObservedTime: ago(2) } }), NOW)).toBe('2m (x4 over 30m)');
    expect(eventLastSeen(event({}), NOW)).toBe('<unknown>');
  });
});

describe('eventPrinter', () => {
  it('prints the wide row: object as kind/name lowercase, source "component, host", trimmed message', () => {
    const e = event({ firstTimestamp: ago(10), lastTimestamp: ago(5), count: 3 });
    expect(eventPrinter.cells(e as never, NOW)).toEqual([
      '5m (x3 over 10m)',
      'Normal',
      'Pulled',
      'pod/nginx',
      'spec.containers{nginx}',
      'kubelet, node1',
      'Container image "nginx" already present on machine',
      '10m',
      3,
      'nginx.17f',
    ]);
  });

  it('uses reporting fields and <none> for empty cells', () => {
    const e = event({
      involvedObject: { kind: 'Node', name: 'node1' },
      source: {},
      reportingComponent: 'skiff-scheduler',
      reason: '',
      firstTimestamp: ago(1),
    });
    const cells = eventPrinter.cells(e as never, NOW);
    expect(cells.slice(2, 6)).toEqual(['<none>', 'node/node1', '<none>', 'skiff-scheduler']);
    expect(cells[8]).toBe(1);
  });
});
