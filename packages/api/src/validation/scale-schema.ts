/**
 * @module scaleSchema: autoscaling/v1 Scale, the body of PUT deployments/scale and replicasets/scale.
 */
import { z } from 'zod';
import type { Scale } from '../apps.js';
import { objectMetaSchema } from './meta-schema.js';
import { int } from './schema-helpers.js';
import { lazySchema } from './lazy-schema.js';

/** scaleSchema decodes autoscaling/v1 Scale, the body of PUT deployments/scale. */
export const scaleSchema = lazySchema(() => z.object({
  apiVersion: z.literal('autoscaling/v1'),
  kind: z.literal('Scale'),
  metadata: objectMetaSchema().default({}),
  spec: z.object({ replicas: int().optional() }).default({}),
  status: z.object({ replicas: int().default(0), selector: z.string().optional() }).optional(),
}) satisfies z.ZodType<Scale>);
