/**
 * @module NodePortRange: the api-server's --service-node-port-range ("30000-32767", or one port).
 */

export interface NodePortRange {
  base: number;
  size: number;
}

/** parseNodePortRange parses "30000-32767" (or "30000" for a range of one); it throws a message naming the fault. */
export function parseNodePortRange(text: string): NodePortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid service node port range ${JSON.stringify(text)}: want LOW-HIGH within 1-65535`);
  return { base: lo, size: hi - lo + 1 };
}

export function formatNodePortRange(r: NodePortRange): string {
  return `${r.base}-${r.base + r.size - 1}`;
}
