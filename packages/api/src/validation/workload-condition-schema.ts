/**
 * @module workloadConditionSchema: the condition shape of apps/v1 workloads.
 */
import { z } from 'zod';
import { requiredEnum } from './schema-helpers.js';
import { lazySchema } from './lazy-schema.js';

/** workloadConditionSchema is a Deployment condition; ReplicaSet conditions lack lastUpdateTime. */
export const workloadConditionSchema = lazySchema(() => z.object({
  type: z.string().default(''),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
}));
