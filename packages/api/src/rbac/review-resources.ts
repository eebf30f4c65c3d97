/**
 * @module REVIEW_RESOURCES: the create-only resources that answer a question instead of storing an object
 * (authorization.k8s.io/v1 access reviews, authentication.k8s.io/v1 SelfSubjectReview). They are served and
 * discovered beside KINDS, but have no kind file: nothing reads or lists them.
 */
import { describeResource, type ResourceInfo } from '../resource-info.js';
import { RESOURCE_LIST } from '../kinds/index.js';
import { SERVED_VERSIONS } from '../kinds/served-versions.js';

const review = (group: string, kind: string, plural: string, namespaced = false): ResourceInfo => ({
  ...describeResource(group, 'v1', kind, plural, { namespaced }),
  verbs: ['create'],
});

export const REVIEW_RESOURCES: readonly ResourceInfo[] = [
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  review('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
];

/**
 * SERVED_RESOURCES is everything discovery lists and the router serves: stored kinds, their other served versions
 * (after them, so a group's storage version is its preferred one), then reviews.
 */
export const SERVED_RESOURCES: readonly ResourceInfo[] = [...RESOURCE_LIST, ...SERVED_VERSIONS.map((v) => v.info), ...REVIEW_RESOURCES];

/** ResourceAttributes and NonResourceAttributes are authorization/v1's description of a request. */
export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}
