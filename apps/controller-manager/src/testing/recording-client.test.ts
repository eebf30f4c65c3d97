import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { newPod } from './fixtures.js';
import { RecordingClient } from './recording-client.js';

/** reason is the Status reason a rejected call failed with ('ok' when it succeeded). */
async function reason(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ApiError ? `${e.code} ${e.reason}` : String(e)),
  );
}

describe('RecordingClient', () => {
  it('enforces resourceVersion compare-and-swap on update, updateStatus, patch and delete, as the api-server does', async () => {
    const c = new RecordingClient();
    const created = await c.pods.create(newPod('p'));
    const fresh = await c.pods.update(structuredClone(created));
    expect(fresh.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    // The copy read before that write is stale now.
    expect(await reason(c.pods.update(created))).toBe('409 Conflict');
    expect(await reason(c.pods.updateStatus(created))).toBe('409 Conflict');
    expect(await reason(c.pods.patch('p', { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { a: 'b' } } }, { namespace: 'default' }))).toBe('409 Conflict');
    expect(await reason(c.pods.delete('p', { namespace: 'default', preconditions: { resourceVersion: created.metadata.resourceVersion! } }))).toBe('409 Conflict');
    expect(await reason(c.pods.delete('p', { namespace: 'default', preconditions: { uid: 'someone-else' } }))).toBe('409 Conflict');
    expect(c.pods.objects.get('default/p')!.metadata.labels?.['a']).toBeUndefined();
    // Writes naming the current version, or none at all, go through.
    expect(await reason(c.pods.patch('p', { metadata: { resourceVersion: fresh.metadata.resourceVersion, labels: { a: 'b' } } }, { namespace: 'default' }))).toBe('ok');
    const current = c.pods.objects.get('default/p')!;
    expect(await reason(c.pods.updateStatus(structuredClone(current)))).toBe('ok');
    expect(await reason(c.pods.update({ ...structuredClone(current), metadata: { ...current.metadata, resourceVersion: '' } }))).toBe('ok');
    expect(await reason(c.pods.delete('p', { namespace: 'default', preconditions: { uid: current.metadata.uid!, resourceVersion: c.pods.objects.get('default/p')!.metadata.resourceVersion! } }))).toBe('ok');
    expect(await reason(c.pods.update(current))).toBe('404 NotFound');
  });
});
