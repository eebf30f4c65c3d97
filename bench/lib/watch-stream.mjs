// readWatchEvents reads a chunked HTTP watch (one JSON event a line) and hands each event to `onEvent` until the
// stream ends or `signal` aborts: the benches' watchers of pod progress share it.
import { Agent, fetch } from 'undici';

export async function readWatchEvents(url, signal, onEvent) {
  // A connection of its own, destroyed at the end: an aborted watch left on a shared keep-alive pool stayed open
  // on the server's side, and the api-server's SIGTERM then waited out its 5 s limit before exiting.
  const agent = new Agent({ connections: 1 });
  try {
    const res = await fetch(url, { signal, dispatcher: agent });
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
  } finally {
    await agent.destroy().catch(() => {});
  }
}
