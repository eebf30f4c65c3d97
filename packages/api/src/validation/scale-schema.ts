/**
 * @module scaleSchema: autoscaling/v1 Scale, the body of PUT deployments/scale and replicasets/scale.
 */
import type { z } from 'zod';
import { zod } from './zod.js';
import type { Scale } from '../apps.js';
import { objectMetaSchema } from './meta-schema.js';
import { int } from './schema-helpers.js';
import { lazySchema } from './lazy-schema.js';

/** scaleSchema decodes autoscaling/v1 Scale, the body of PUT deployments/scale. */
export const scaleSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('autoscaling/v1'),
  kind: zod.literal('Scale'),
  metadata: objectMetaSchema().default({}),
  spec: zod.object({ replicas: int().optional() }).default({}),
  status: zod.object({ replicas: int().default(0), selector: zod.string().optional() }).optional(),
}) satisfies z.ZodType<Scale>);
