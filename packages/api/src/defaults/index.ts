/**
 * @module Defaulting for @skiff/api: applyDefaults per kind, plus the helpers other components reuse.
 */
export { applyDefaults } from './apply-defaults.js';
export { defaultPod } from './default-pod.js';
export { toMicroTime } from './to-micro-time.js';
export { addDefaultTolerations, type DefaultTolerationSeconds } from './default-tolerations.js';
export { DEFAULT_ROLLING_UPDATE_PERCENT } from '../kinds/deployment.js';
export { defaultPodSpec, defaultContainer, DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './default-pod-spec.js';
export { defaultImagePullPolicy } from './default-image-pull-policy.js';
export { podQOSClass, type PodQOSClass } from './pod-qos-class.js';
