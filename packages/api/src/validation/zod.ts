/**
 * @module zod, loaded on first use: the wire schemas build through it, so a process that never decodes (the
 * scheduler, controller-manager and node agents read kinds only for their descriptors) never loads zod at all.
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';

const require = createRequire(import.meta.url);
let loaded: typeof z | undefined;

/**
 * zod is zod's `z`, loaded on the first property read. Only building a schema reads it (each schema is built once,
 * see lazySchema); parsing runs on the built schema and never goes through here.
 */
export const zod = new Proxy({} as typeof z, {
  get: (_target, key) => (loaded ??= (require('zod') as typeof import('zod')).z)[key as keyof typeof z],
});
