/**
 * @module The behaviour contract every ContainerRuntime must meet; fake-runtime.test.ts, simulated-runtime.test.ts
 * and docker-runtime-contract.test.ts run it against their runtime (as store.case.test.ts does for storage).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { isRuntimeError, RUNTIME_ERROR_REASONS, type ContainerConfig, type ContainerRuntime, type PodRef, type RuntimeContainer } from './container-runtime.js';

/** RuntimeUnderTest is one runtime for one node, and how to let its time pass. */
export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** settle lets the runtime's own time pass (a simulated start delay); a no-op for a real engine. */
  settle(): void | Promise<void>;
}

/** RuntimeContract describes the implementation under test. */
export interface RuntimeContract {
  /** An image present on the engine. */
  image: string;
  /** make returns a runtime for `nodeName`; runtimes of different nodes may share one engine. */
  make(nodeName: string): RuntimeUnderTest;
  /** unstartable returns a command `rt` cannot start (registering it with a fake engine). */
  unstartable(rt: ContainerRuntime): string[];
  /** missingImage is an image the engine lacks; undefined for a runtime that has every image (simulated). */
  missingImage?: string;
  /** cleanup removes whatever is left for a node. */
  cleanup?(nodeName: string): Promise<void>;
}

const WAIT = { timeoutMs: 20_000, intervalMs: 20 };

/** runRuntimeContract registers the shared ContainerRuntime contract tests for one implementation. */
export function runRuntimeContract(name: string, contract: RuntimeContract): void {
  const suffix = Math.random().toString(36).slice(2, 8);
  const node = `rc-${suffix}`;
  const other = `rc-other-${suffix}`;
  let seq = 0;
  const pod = (): PodRef => {
    const n = `rc-${suffix}-${++seq}`;
    return { uid: `uid-${n}`, namespace: 'default', name: n };
  };
  const container = (ref: PodRef, command: string[], restartCount = 0): ContainerConfig => ({
    pod: ref,
    kind: 'container',
    name: 'main',
    restartCount,
    image: contract.image,
    command,
    env: [],
    mounts: [],
  });
  const sandbox = (ref: PodRef) => ({ pod: ref, hostname: ref.name, ports: [], volumes: [] });
  const find = async (u: RuntimeUnderTest, id: string): Promise<RuntimeContainer | undefined> => (await u.runtime.list()).find((c) => c.id === id);
  const eventually = (u: RuntimeUnderTest, id: string, ok: (c: RuntimeContainer | undefined) => boolean, what: string) =>
    waitFor(
      async () => {
        await u.settle();
        const c = await find(u, id);
        return ok(c) ? (c ?? true) : undefined;
      },
      { ...WAIT, what },
    );

  describe(`${name} runtime contract`, () => {
    afterAll(async () => {
      await contract.cleanup?.(node);
      await contract.cleanup?.(other);
    });

    it('reports an engine version as <engine>://<version>', async () => {
      const info = await contract.make(node).runtime.info();
      expect(info.runtimeVersion).toMatch(/^[a-z]+:\/\/\S+$/);
    });

    it('runs a sandbox with a pod IP and a container in it, labelled with their pod, container name and instance', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      expect(sb.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const id = await u.runtime.startContainer(sb.id, container(ref, ['sleep', '3600'], 2));
      const listed = (await eventually(u, id, (c) => c?.state === 'running', 'the container running')) as RuntimeContainer;
      expect(listed).toMatchObject({ kind: 'container', pod: ref, containerName: 'main', restartCount: 2, image: contract.image });
      expect(listed.startedAt).toBeDefined();
      const sbListed = await find(u, sb.id);
      expect(sbListed).toMatchObject({ kind: 'sandbox', pod: ref, containerName: '', state: 'running', ip: sb.ip });
      await u.runtime.removeContainer(id);
      await u.runtime.removeContainer(sb.id);
    });

    it('stops a running container (137 after the kill), treats a second stop and the removal of a missing container as no-ops', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      const id = await u.runtime.startContainer(sb.id, container(ref, ['sleep', '3600']));
      await eventually(u, id, (c) => c?.state === 'running', 'the container running');
      await u.runtime.stopContainer(id, 0);
      const stopped = (await eventually(u, id, (c) => c?.state === 'exited', 'the container exited')) as RuntimeContainer;
      expect(stopped.exitCode).toBe(137);
      expect(stopped.finishedAt).toBeDefined();
      await u.runtime.stopContainer(id, 0);
      await u.runtime.removeContainer(id);
      await u.runtime.removeContainer(id);
      await u.runtime.removeContainer(sb.id);
      await u.runtime.removePodVolumes(ref);
      const left = (await u.runtime.list()).filter((c) => c.pod.uid === ref.uid);
      expect(left).toEqual([]);
    });

    it('lists only the containers of its own node', async () => {
      const mine = contract.make(node);
      const theirs = contract.make(other);
      const ref = pod();
      const sb = await theirs.runtime.createSandbox(sandbox(ref));
      expect((await theirs.runtime.list()).map((c) => c.id)).toContain(sb.id);
      expect((await mine.runtime.list()).map((c) => c.id)).not.toContain(sb.id);
      await theirs.runtime.removeContainer(sb.id);
    });

    it('rejects a command that cannot start with RunContainerError and lists the dead container', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      const err = await u.runtime.startContainer(sb.id, container(ref, contract.unstartable(u.runtime))).catch((e: unknown) => e);
      expect(isRuntimeError(err) && err.reason).toBe('RunContainerError');
      const dead = (await u.runtime.list()).find((c) => c.pod.uid === ref.uid && c.kind === 'container');
      expect(dead?.state).not.toBe('running');
      expect(dead?.error).toBeTruthy();
      for (const c of await u.runtime.list()) if (c.pod.uid === ref.uid) await u.runtime.removeContainer(c.id);
    });

    it('rejects with the abort reason and leaves nothing behind when the signal aborted', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      const reason = new Error('pod terminating');
      const signal = AbortSignal.abort(reason);
      await expect(u.runtime.createSandbox(sandbox(pod()), signal)).rejects.toBe(reason);
      await expect(u.runtime.startContainer(sb.id, container(ref, ['sleep', '3600']), signal)).rejects.toBe(reason);
      await expect(u.runtime.ensureImage(contract.image, 'Always', undefined, signal)).rejects.toBe(reason);
      expect((await u.runtime.list()).filter((c) => c.pod.uid === ref.uid).map((c) => c.id)).toEqual([sb.id]);
      await u.runtime.removeContainer(sb.id);
    });

    it('runs an exec command in a running container', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      const id = await u.runtime.startContainer(sb.id, container(ref, ['sleep', '3600']));
      await eventually(u, id, (c) => c?.state === 'running', 'the container running');
      expect((await u.runtime.exec(id, ['true'], 10_000)).exitCode).toBe(0);
      await u.runtime.removeContainer(id);
      await u.runtime.removeContainer(sb.id);
    });

    it('does not pull an image that is present with IfNotPresent or Never', async () => {
      const u = contract.make(node);
      let pulls = 0;
      expect(await u.runtime.ensureImage(contract.image, 'IfNotPresent', () => pulls++)).toBe(false);
      expect(await u.runtime.ensureImage(contract.image, 'Never', () => pulls++)).toBe(false);
      expect(pulls).toBe(0);
    });

    const missing = contract.missingImage;
    if (missing !== undefined) {
      it('rejects a missing image with pull policy Never as ErrImageNeverPull, without pulling', async () => {
        const u = contract.make(node);
        let pulls = 0;
        const err = await u.runtime.ensureImage(missing, 'Never', () => pulls++).catch((e: unknown) => e);
        expect(isRuntimeError(err) && err.reason).toBe('ErrImageNeverPull');
        expect(pulls).toBe(0);
      });
    }

    it('throws only RuntimeErrors whose reason is in RUNTIME_ERROR_REASONS', async () => {
      const u = contract.make(node);
      const ref = pod();
      const sb = await u.runtime.createSandbox(sandbox(ref));
      const errs = [await u.runtime.startContainer(sb.id, container(ref, contract.unstartable(u.runtime))).catch((e: unknown) => e)];
      if (missing !== undefined) errs.push(await u.runtime.ensureImage(missing, 'Never').catch((e: unknown) => e));
      for (const e of errs) expect(RUNTIME_ERROR_REASONS).toContain(isRuntimeError(e) ? e.reason : String(e));
      for (const c of await u.runtime.list()) if (c.pod.uid === ref.uid) await u.runtime.removeContainer(c.id);
    });
  });
}
