/**
 * @module Wire schemas of the review bodies (authorization.k8s.io/v1 access and rules reviews,
 * authentication.k8s.io/v1 SelfSubjectReview): what a client sends; the server answers with `status` filled in.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
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

const resourceAttributesSchema = lazySchema(() => zod.object({
  namespace: zod.string().optional(),
  verb: zod.string().optional(),
  group: zod.string().optional(),
  version: zod.string().optional(),
  resource: zod.string().optional(),
  subresource: zod.string().optional(),
  name: zod.string().optional(),
}) satisfies z.ZodType<ResourceAttributes>);

const nonResourceAttributesSchema = lazySchema(() => zod.object({ path: zod.string().optional(), verb: zod.string().optional() }) satisfies z.ZodType<NonResourceAttributes>);

const accessReviewSchema = (apiVersion: string, kind: string) =>
  zod.object({
    apiVersion: zod.literal(apiVersion),
    kind: zod.literal(kind),
    metadata: objectMetaSchema().default({}),
    spec: zod
      .object({
        resourceAttributes: resourceAttributesSchema().optional(),
        nonResourceAttributes: nonResourceAttributesSchema().optional(),
        user: zod.string().optional(),
        groups: stringList().optional(),
        extra: zod.record(zod.string(), stringList()).optional(),
        uid: zod.string().optional(),
      })
      .default({}),
  }) satisfies z.ZodType<AccessReview>;

export const selfSubjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'SelfSubjectAccessReview'));
export const subjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'SubjectAccessReview'));
export const localSubjectAccessReviewSchema = lazySchema(() => accessReviewSchema('authorization.k8s.io/v1', 'LocalSubjectAccessReview'));

export const selfSubjectRulesReviewSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('authorization.k8s.io/v1'),
  kind: zod.literal('SelfSubjectRulesReview'),
  metadata: objectMetaSchema().default({}),
  spec: zod.object({ namespace: zod.string().optional() }).default({}),
}) satisfies z.ZodType<RulesReview>);

export const selfSubjectReviewSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('authentication.k8s.io/v1'),
  kind: zod.literal('SelfSubjectReview'),
  metadata: objectMetaSchema().default({}),
}) satisfies z.ZodType<SelfSubjectReview>);
