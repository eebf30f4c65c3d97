/**
 * @module workloadConditionSchema: the condition shape of apps/v1 workloads.
 */
import type { z } from 'zod';
import { zod } from './zod.js';
import { requiredEnum } from './schema-helpers.js';
import { lazySchema } from './lazy-schema.js';

/** workloadConditionSchema is a Deployment condition; ReplicaSet conditions lack lastUpdateTime. */
export const workloadConditionSchema = lazySchema(() => zod.object({
  type: zod.string().default(''),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastUpdateTime: zod.string().optional(),
  lastTransitionTime: zod.string().optional(),
  reason: zod.string().optional(),
  message: zod.string().optional(),
}));
