// The api-server's own counters, read from its /metrics: what a scenario's components asked of it.

/** requestCounts reads apiserver_request_total, summed by "VERB resource[/subresource]" (plus the code if not 2xx). */
export async function requestCounts(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map();
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$/gm)) {
    const l = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ''}${/^2/.test(l.code) ? '' : ` ${l.code}`}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

/** apiWrites sums the api-server's mutating requests (POST, PUT, PATCH, DELETE, any code) since it started. */
export async function apiWrites(url) {
  let n = 0;
  for (const [key, count] of await requestCounts(url)) if (/^(POST|PUT|PATCH|DELETE) /.test(key)) n += count;
  return n;
}

/** requestDelta is after − before, largest first, without the keys that did not change. */
export function requestDelta(before, after) {
  return [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
}

/** registeredWatchers is the api-server's apiserver_registered_watchers, summed over kinds. */
export async function registeredWatchers(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^apiserver_registered_watchers\{[^}]*\} ([0-9.e+]+)$/gm)) n += Number(m[1]);
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * untilEventsDrain waits (at most `timeoutMs`) until the api-server has taken `want` event creates since `req0`
 * or its request count has stayed still for 2 s, and returns the requests since `req0`: so a row's CPU per pod counts
 * every request its pods cause, not only those sent before the last one was Running.
 */
export async function untilEventsDrain(server, req0, want, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stillSince = Date.now();
  for (;;) {
    const delta = requestDelta(req0, await requestCounts(server));
    const events = delta.find(([k]) => k === 'POST events')?.[1] ?? 0;
    const total = delta.reduce((s, [, v]) => s + v, 0);
    if (total !== last) [last, stillSince] = [total, Date.now()];
    if (events >= want || Date.now() - stillSince > 2000 || Date.now() > deadline) return delta;
    await sleep(250);
  }
}
