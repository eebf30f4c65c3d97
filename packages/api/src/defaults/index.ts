/**
 * @module Defaulting for @skiff/api: applyDefaults per kind, plus the helpers other components reuse.
 */
export { applyDefaults, defaultPod, DEFAULT_ROLLING_UPDATE_PERCENT, toMicroTime } from './apply-defaults.js';
export { defaultPodSpec, defaultContainer, DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './default-pod-spec.js';
export { defaultImagePullPolicy } from './default-image-pull-policy.js';
export { podQOSClass, type PodQOSClass } from './pod-qos-class.js';
