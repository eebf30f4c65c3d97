/**
 * @module LogsView: container logs of one or several pods, interleaved in arrival order with a `pod/container`
 * prefix (as `kubectl logs -l ... --prefix`), followed live over the log stream, `previous` for the last crashed
 * instance, and a search that keeps only matching lines.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Pod } from './model.js';

interface Line {
  source: string;
  text: string;
}

const MAX_LINES = 5000;

/** streamLogs reads one container's log, line by line, until aborted or the stream ends. */
async function streamLogs(pod: Pod, container: string, opts: { follow: boolean; previous: boolean }, onLine: (text: string) => void, signal: AbortSignal): Promise<string | undefined> {
  const q = new URLSearchParams({ container, tailLines: '500' });
  if (opts.follow) q.set('follow', 'true');
  if (opts.previous) q.set('previous', 'true');
  const res = await fetch(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log?${q}`, { signal, credentials: 'same-origin' });
  if (!res.ok) return ((await res.json().catch(() => ({}))) as { message?: string }).message ?? `${res.status}`;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  }
  if (rest) onLine(rest);
  return undefined;
}

export function LogsView({ pods }: { pods: Pod[] }) {
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [search, setSearch] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const box = useRef<HTMLPreElement>(null);
  const key = pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(',');
  const multi = pods.length > 1 || pods.some((p) => p.spec.containers.length > 1);
  useEffect(() => {
    const ac = new AbortController();
    setLines([]);
    setErrors([]);
    let pending: Line[] = [];
    let flush: ReturnType<typeof setTimeout> | undefined;
    const push = (l: Line) => {
      pending.push(l);
      // Batch lines into one render per animation-ish tick, so a chatty pod cannot stall the page.
      flush ??= setTimeout(() => {
        flush = undefined;
        const batch = pending;
        pending = [];
        setLines((old) => [...old, ...batch].slice(-MAX_LINES));
      }, 50);
    };
    for (const pod of pods) {
      for (const c of pod.spec.containers) {
        const source = `${pod.metadata.name}/${c.name}`;
        streamLogs(pod, c.name, { follow, previous }, (text) => push({ source, text }), ac.signal)
          .then((err) => err && setErrors((e) => [...e, `${source}: ${err}`]))
          .catch((err: Error) => !ac.signal.aborted && setErrors((e) => [...e, `${source}: ${err.message}`]));
      }
    }
    return () => {
      ac.abort();
      clearTimeout(flush);
    };
  }, [key, follow, previous]);
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);
  const shown = search ? lines.filter((l) => l.text.toLowerCase().includes(search.toLowerCase())) : lines;
  return (
    <div class="logs" data-logs={key}>
      <div class="filters">
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> follow
        </label>
        <label>
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious((e.target as HTMLInputElement).checked)} /> previous
        </label>
        <input aria-label="search logs" placeholder="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      </div>
      {errors.map((e) => (
        <p class="error" key={e}>
          {e}
        </p>
      ))}
      <pre ref={box} class="log-lines">
        {shown.map((l, i) => (
          <div key={i} class="log-line">
            {multi && <span class="log-source">[{l.source}] </span>}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
