import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

// The child runs this TypeScript store directly: a module hook transpiles .ts with the installed typescript and
// maps the `.js` suffixes of relative imports back to `.ts`, so no build is needed.
const typescriptPath = createRequire(import.meta.url).resolve('typescript');
const HOOKS = `
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
const ts = createRequire(import.meta.url)(${JSON.stringify(typescriptPath)});
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.startsWith('.') || !specifier.endsWith('.js')) throw err;
    return next(specifier.slice(0, -3) + '.ts', context);
  }
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
`;
const REGISTER = `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`;
const WRITER = `
const { SqliteStore } = await import(process.env.SKIFF_STORE_MODULE);
const groupCommit = process.env.SKIFF_GROUP_COMMIT === '1';
const store = SqliteStore.open({ path: process.env.SKIFF_DB, groupCommit });
let i = 0;
async function burst() {
  const acks = [];
  for (let n = 0; n < 50; n++, i++) {
    const name = 'c' + i;
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'crash', name }, data: { i: String(i) } };
    const stored = store.create({ resource: 'configmaps', namespace: 'crash', name }, obj);
    if (!groupCommit) process.stdout.write(stored.metadata.resourceVersion + ' ' + name + '\\n');
    else acks.push(stored.metadata.resourceVersion + ' ' + name + '\\n');
  }
  // With group commit a write is acknowledged only once sync() says it is durable.
  if (groupCommit) {
    await store.sync();
    process.stdout.write(acks.join(''));
  }
  setImmediate(burst);
}
burst();
`;

const dir = mkdtempSync(join(tmpdir(), 'skiff-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore durability', () => {
  it.each([
    ['a commit per write', '0'],
    ['group commit', '1'],
  ])('keeps every acknowledged write when the writing process is SIGKILLed (%s)', async (_mode, groupCommit) => {
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'register.mjs'), REGISTER);
    writeFileSync(join(dir, 'writer.mjs'), WRITER);
    const dbPath = join(dir, `crash-${groupCommit}.db`);
    const child = spawn(process.execPath, ['--conditions=@skiff/source', '--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'writer.mjs')], {
      env: { ...process.env, SKIFF_DB: dbPath, SKIFF_GROUP_COMMIT: groupCommit, SKIFF_STORE_MODULE: new URL('./sqlite-store.ts', import.meta.url).href },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: { revision: number; name: string }[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [revision, name] = line.split(' ');
        acked.push({ revision: Number(revision), name: name ?? '' });
      }
      if (acked.length >= 2000) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(2000);

    const store = SqliteStore.open({ path: dbPath });
    const last = acked[acked.length - 1];
    expect(store.currentRevision()).toBeGreaterThanOrEqual(last?.revision ?? Infinity);
    for (const { revision, name } of acked) {
      expect(store.get({ resource: 'configmaps', namespace: 'crash', name })?.metadata.resourceVersion).toBe(String(revision));
    }
    // Every committed write, acknowledged or not, is whole: one object and one change per revision.
    expect(store.stats().objects['configmaps']).toBe(store.currentRevision());
    expect(store.changesSince(0).map((e) => e.revision)).toEqual(Array.from({ length: store.currentRevision() }, (_, i) => i + 1));
    store.close();
    // 2,000 acknowledged writes, each an fsync in the commit-per-write case: 20 s and more on a loaded machine.
  }, 120_000);
});
