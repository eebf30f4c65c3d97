import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { NodePorts } from './node-ports.js';

function withPort(name: string, hostPort: number, hostIP?: string, protocol?: 'TCP' | 'UDP'): Pod {
  return makePod(name, { spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, ...(hostIP ? { hostIP } : {}), ...(protocol ? { protocol } : {}) }] }] } });
}

describe('NodePorts', () => {
  const plugin = new NodePorts();
  it('rejects a node where the host port is taken, per protocol and address', () => {
    const node = nodeInfo(makeNode('n'), [withPort('x', 8080)]);
    expect(plugin.filter(stateFor(withPort('p', 8080)), node).reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(plugin.filter(stateFor(withPort('p', 8080, undefined, 'UDP')), node).code).toBe('Success');
    expect(plugin.filter(stateFor(withPort('p', 8081)), node).code).toBe('Success');
    expect(plugin.filter(stateFor(withPort('p', 8080, '10.0.0.1')), node).code).toBe('Unschedulable');
    const specific = nodeInfo(makeNode('m'), [withPort('x', 9000, '10.0.0.1')]);
    expect(plugin.filter(stateFor(withPort('p', 9000, '10.0.0.2')), specific).code).toBe('Success');
    expect(plugin.filter(stateFor(withPort('p', 9000, '10.0.0.1')), specific).code).toBe('Unschedulable');
  });
});
