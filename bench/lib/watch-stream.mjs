// readWatchEvents reads a chunked HTTP watch (one JSON event a line) and hands each event to `onEvent` until the
// stream ends or `signal` aborts: the benches' watchers of pod progress share it.
export async function readWatchEvents(url, signal, onEvent) {
  const res = await fetch(url, { signal });
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onEvent(JSON.parse(line));
    }
  }
}
