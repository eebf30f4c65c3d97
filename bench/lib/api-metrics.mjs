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
