import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Pod } from '@skiff/api';
import { ConfigObjectCache } from '../config/config-object-cache.js';
import { testVolumeDirs } from '../__tests__/volume-dirs.js';
import { VolumeManager } from './volume-manager.js';

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

const cm = (value: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name: 'settings' }, data: { mode: value } });
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'default', name: 'web', uid: 'uid-vm-1' },
  spec: { containers: [{ name: 'app', image: 'busybox:1.36' }], volumes: [{ name: 'conf', configMap: { name: 'settings' } }] },
};

describe('VolumeManager', () => {
  it('leaves an unchanged volume alone between syncs, writes a change at once, and checks the files on disk again after a minute', async () => {
    let now = 1_000_000;
    const objects = new ConfigObjectCache();
    const volumes = new VolumeManager({ ...dirs, objects, fieldRef: () => '', serviceAccountToken: () => '', now: () => now });
    objects.setConfigMap(cm('fast'));
    expect(await volumes.setUp(pod)).toEqual(['conf']);
    const file = join(volumes.dir('uid-vm-1', pod.spec.volumes![0]!), 'mode');
    expect(readFileSync(file, 'utf8')).toBe('fast');

    // Changed behind the agent's back: the next sync compares in memory only, so it does not look at the disk.
    writeFileSync(join(volumes.dir('uid-vm-1', pod.spec.volumes![0]!), '..data', 'mode'), 'tampered');
    now += 1_000;
    expect(await volumes.setUp(pod)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('tampered');

    // A minute on, the files are checked again and put right, as kubelet's periodic remount does.
    now += 60_000;
    expect(await volumes.setUp(pod)).toEqual(['conf']);
    expect(readFileSync(file, 'utf8')).toBe('fast');

    // A new ConfigMap is written at the next sync, not a minute later.
    objects.setConfigMap(cm('slow'));
    now += 1_000;
    expect(await volumes.setUp(pod)).toEqual(['conf']);
    expect(readFileSync(file, 'utf8')).toBe('slow');

    // Torn down and set up again (same uid): written again, not taken from the memory of the old files.
    await volumes.tearDown('uid-vm-1');
    expect(await volumes.setUp(pod)).toEqual(['conf']);
    expect(readFileSync(file, 'utf8')).toBe('slow');
  });
});
