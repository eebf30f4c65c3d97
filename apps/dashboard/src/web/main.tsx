/** @module The dashboard's entry: sign-in, then the live views. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request, ApiError } from './api.js';
import { Overview } from './overview.js';
import { PodDetail } from './pod-detail.js';
import { closeAll, useCollection } from './use-collection.js';
import type { Node, Pod } from './model.js';

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
      {error && <p class="error" role="alert">{error}</p>}
      <p class="muted">The token stays on the dashboard server; the browser only holds a session cookie.</p>
    </form>
  );
}

function Cluster({ user, onSignOut }: { user: string; onSignOut: () => void }) {
  const nodes = useCollection<Node>('/api/v1/nodes');
  const pods = useCollection<Pod>('/api/v1/pods');
  const [selected, setSelected] = useState<string | undefined>();
  const pod = selected ? pods.items.find((p) => `${p.metadata.namespace}/${p.metadata.name}` === selected) : undefined;
  return (
    <div class="shell">
      <header class="top">
        <strong>Skiff</strong>
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
        <Overview nodes={nodes} pods={pods} onSelectPod={(p) => setSelected(`${p.metadata.namespace}/${p.metadata.name}`)} />
        {selected && <PodDetail pod={pod} name={selected} onClose={() => setSelected(undefined)} />}
      </main>
    </div>
  );
}

function App() {
  const [user, setUser] = useState<string | undefined | null>(undefined);
  useEffect(() => {
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
  return <Cluster user={user} onSignOut={signOut} />;
}

render(<App />, document.getElementById('app')!);
