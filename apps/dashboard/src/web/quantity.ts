/** @module Resource quantities as the UI needs them: CPU in cores, memory in bytes (kube's suffixes). */
const SUFFIX: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** parseQuantity reads "250m", "1.5", "128Mi", "1e3"; undefined for anything else. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1);
}

export function formatCpu(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : `${Math.round(cores * 100) / 100}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Math.round(v * 10) / 10}${units[i]}`;
}
