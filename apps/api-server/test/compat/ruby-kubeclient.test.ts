/**
 * Ruby's kubeclient (Debian's ruby-kubeclient 4.9), a client nobody here wrote: it lists, and it watches through the
 * legacy `/api/v1/watch/namespaces/NS/pods` path, which kube-apiserver still serves.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { startServer, type RunningServer } from '../harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const SCRIPT = `
require 'kubeclient'
$stdout.sync = true
client = Kubeclient::Client.new(ARGV[0] + '/api', 'v1')
puts "LIST #{client.get_pods(namespace: 'default').map { |p| p.metadata.name }.sort.join(',')}"
client.watch_pods(namespace: 'default', resource_version: ARGV[1]) do |notice|
  puts "#{notice.type} #{notice.object.metadata.name}"
  exit 0 if notice.type == 'DELETED'
end
`;

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

describe('ruby kubeclient', () => {
  it('lists pods and watches them through the legacy watch path', async () => {
    const post = (body: unknown) => fetch(`${s.url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(pod('before'))).status).toBe(201);
    const list = (await (await fetch(`${s.url}/api/v1/namespaces/default/pods`)).json()) as { metadata: { resourceVersion: string } };
    const ruby = spawn('ruby', ['-e', SCRIPT, s.url, list.metadata.resourceVersion], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ruby.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ruby.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => ruby.on('exit', r));
    try {
      await waitFor(() => out.includes('LIST before'), { what: `ruby to list pods (output: ${out})`, timeoutMs: 30_000 });
      // The watch is open once the server counts a watcher; then each change reaches Ruby in order.
      await waitFor(async () => {
        const m = await (await fetch(`${s.url}/metrics`)).text();
        return /apiserver_registered_watchers\{[^}]*kind="Pod"[^}]*\} [1-9]/.test(m);
      }, { what: `ruby's watch to open (output: ${out})`, timeoutMs: 30_000 });
      expect((await post(pod('after'))).status).toBe(201);
      expect((await fetch(`${s.url}/api/v1/namespaces/default/pods/after`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gracePeriodSeconds: 0 }) })).status).toBe(200);
      expect(await exited).toBe(0);
      expect(out.trim().split('\n')).toEqual(['LIST before', 'ADDED after', 'DELETED after']);
    } finally {
      ruby.kill();
    }
  });
});
