/** @module The dashboard's entry: sign-in, then the live views, switched by the URL's hash or the keyboard. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request, ApiError } from './api.js';
import { EventsView } from './events-view.js';
import { Overview, type Lease } from './overview.js';
import { PodDetail } from './pod-detail.js';
import { PodsView } from './pods-view.js';
import { navigate, useRoute } from './router.js';
import { closeAll, useCollection } from './use-collection.js';
import { WorkloadsView } from './workloads-view.js';
import { CreateView, YamlView } from './yaml-view.js';
import type { Node, Pod } from './model.js';

interface Config {
  nodeMonitorGracePeriodSeconds: number;
}

const VIEWS: [string, string][] = [
  ['overview', 'Overview'],
  ['pods', 'Pods'],
  ['workloads', 'Workloads'],
  ['events', 'Events'],
  ['create', 'Create'],
];

function Login({ onSignedIn }: { onSignedIn: (user: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const { user } = await request<{ user: string }>('POST', '/dashboard/session', { token });
      onSignedIn(user);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Skiff</h1>
      <label for="token">Bearer token</label>
      <textarea id="token" name="token" rows={4} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} placeholder="kubectl create token NAME -n NAMESPACE" />
      <button type="submit">Sign in</button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted">The token stays on the dashboard server; the browser only holds a session cookie.</p>
    </form>
  );
}

/** isTyping: keyboard shortcuts stay out of the way of text fields. */
const isTyping = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;

function Cluster({ user, config, onSignOut }: { user: string; config: Config; onSignOut: () => void }) {
  const route = useRoute();
  const nodes = useCollection<Node>('/api/v1/nodes');
  const pods = useCollection<Pod>('/api/v1/pods');
  const leases = useCollection<Lease>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
  const selected = route.params.get('pod') ?? undefined;
  const pod = selected ? pods.items.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === selected) : undefined;
  const select = (p: Pod) => navigate(route.view, { ...Object.fromEntries(route.params), pod: `${p.metadata.namespace}/${p.metadata.name}` });
  const close = () => navigate(route.view, { ...Object.fromEntries(route.params), pod: undefined });
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const n = Number(e.key);
      if (n >= 1 && n <= VIEWS.length) navigate(VIEWS[n - 1]![0]);
      else if (e.key === '/') {
        e.preventDefault();
        document.getElementById('filter')?.focus();
      } else if (e.key === 'Escape' && selected) close();
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  });
  return (
    <div class="shell">
      <header class="top">
        <strong>Skiff</strong>
        <nav class="views">
          {VIEWS.map(([v, label], i) => (
            <a key={v} href={`#/${v}`} class={route.view === v ? 'active' : ''} title={`${label} (${i + 1})`}>
              {label}
            </a>
          ))}
        </nav>
        <span class="muted">
          {nodes.items.length} nodes · {pods.items.length} pods
        </span>
        <span class="spacer" />
        <span class="user">{user}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {route.view === 'pods' ? (
          <PodsView route={route} onSelectPod={select} />
        ) : route.view === 'workloads' ? (
          <WorkloadsView />
        ) : route.view === 'events' ? (
          <EventsView />
        ) : route.view === 'create' ? (
          <CreateView />
        ) : route.view === 'yaml' ? (
          <YamlView path={route.params.get('path') ?? ''} />
        ) : (
          <Overview nodes={nodes} pods={pods} leases={leases} graceSeconds={config.nodeMonitorGracePeriodSeconds} onSelectPod={select} />
        )}
        {selected && <PodDetail pod={pod} name={selected} onClose={close} />}
      </main>
    </div>
  );
}

function App() {
  const [user, setUser] = useState<string | undefined | null>(undefined);
  const [config, setConfig] = useState<Config>({ nodeMonitorGracePeriodSeconds: 40 });
  useEffect(() => {
    request<Config>('GET', '/dashboard/config').then(setConfig, () => undefined);
    request<{ user: string }>('GET', '/dashboard/session').then(
      (s) => setUser(s.user),
      (err) => setUser(err instanceof ApiError && err.code === 401 ? null : null),
    );
  }, []);
  if (user === undefined) return <p class="muted">Loading…</p>;
  if (user === null) return <Login onSignedIn={setUser} />;
  const signOut = async () => {
    closeAll();
    await request('DELETE', '/dashboard/session').catch(() => undefined);
    setUser(null);
  };
  return <Cluster user={user} config={config} onSignOut={signOut} />;
}

render(<App />, document.getElementById('app')!);
