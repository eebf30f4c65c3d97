/**
 * @module legacyWatchPath: the deprecated watch paths kube-apiserver still serves (`/api/v1/watch/...`), which
 * Ruby's kubeclient and older tools use, rewritten to the list-with-watch form every handler serves.
 */

/**
 * legacyWatchPath rewrites `/api/v1/watch/namespaces/NS/pods[/NAME]` (and `/apis/G/V/watch/...`) to
 * `/api/v1/namespaces/NS/pods?watch=true[&fieldSelector=metadata.name=NAME]`; it returns undefined for any other URL.
 */
export function legacyWatchPath(rawUrl: string): string | undefined {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const m = /^(\/api\/[^/]+|\/apis\/[^/]+\/[^/]+)\/watch(\/.*)?$/.exec(path);
  if (!m || !m[2] || m[2] === '/') return undefined;
  const prefix = m[1]!;
  const rest = m[2].split('/').filter((s) => s !== '');
  // namespaces/NS/RESOURCE/NAME, RESOURCE/NAME, or namespaces/NAME (one namespace): a trailing name selects one object.
  const named = rest[0] === 'namespaces' ? rest.length === 4 || rest.length === 2 : rest.length === 2;
  const name = named ? rest.pop() : undefined;
  const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  params.set('watch', 'true');
  if (name !== undefined) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return undefined; // A bad escape is left for requestTargetError's 400.
    }
    const selector = `metadata.name=${decoded}`;
    const existing = params.get('fieldSelector');
    params.set('fieldSelector', existing ? `${existing},${selector}` : selector);
  }
  return `${prefix}/${rest.join('/')}?${params.toString()}`;
}
