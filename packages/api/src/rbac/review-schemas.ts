/**
 * @module Wire schemas of the review bodies (authorization.k8s.io/v1 access and rules reviews,
 * authentication.k8s.io/v1 SelfSubjectReview): what a client sends; the server answers with `status` filled in.
 */
import { z } from 'zod';
import type { ObjectMeta } from '../meta.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { stringList } from '../validation/schema-helpers.js';
import type { NonResourceAttributes, ResourceAttributes } from './review-resources.js';
import { lazySchema } from '../validation/lazy-schema.js';

export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  uid?: string;
}

export interface AccessReview {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: SubjectAccessReviewSpec;
}

export interface RulesReview {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: { namespace?: string };
}

export interface SelfSubjectReview {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

const resourceAttributesSchema = lazySchema(() => z.object({
  namespace: z.string().optional(),
  verb: z.string().optional(),
  group: z.string().optional(),
  version: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  name: z.string().optional(),
}) satisfies z.ZodType<ResourceAttributes>);

const nonResourceAttributesSchema = lazySchema(() => z.object({ path: z.string().optional(), verb: z.string().optional() }) satisfies z.ZodType<NonResourceAttributes>);

const accessReviewSchema = (apiVersion: string, kind: string) =>
  z.object({
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata: objectMetaSchema().default({}),
    spec: z
      .object({
        resourceAttributes: resourceAttributesSchema().optional(),
        nonResourceAttributes: nonResourceAttributesSchema().optional(),
        user: z.string().optional(),
        groups: stringList().optional(),
        extra: z.record(z.string(), stringList()).optional(),
        uid: z.string().optional(),
      })
      .default({}),
  }) satisfies z.ZodType<AccessReview>;

export const selfSubjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'SelfSubjectAccessReview'));
export const subjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'SubjectAccessReview'));
export const localSubjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'LocalSubjectAccessReview'));

export const selfSubjectRulesReviewSchema = lazySchema(() => z.object({
  apiVersion: z.literal('authorization.k8s.io/v1'),
  kind: z.literal('SelfSubjectRulesReview'),
  metadata: objectMetaSchema().default({}),
  spec: z.object({ namespace: z.string().optional() }).default({}),
}) satisfies z.ZodType<RulesReview>);

export const selfSubjectReviewSchema = lazySchema(() => z.object({
  apiVersion: z.literal('authentication.k8s.io/v1'),
  kind: z.literal('SelfSubjectReview'),
  metadata: objectMetaSchema().default({}),
}) satisfies z.ZodType<SelfSubjectReview>);
