import { describe, expect, it } from 'vitest';
import { defaultImagePullPolicy } from './default-image-pull-policy.js';

describe('defaultImagePullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:1.0', 'IfNotPresent'],
    ['host:5000/img', 'Always'],
    ['registry.example.com:443/team/app', 'Always'],
    ['registry.example.com:443/team/app:v2', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
    ['nginx:latest@sha256:abc', 'Always'],
    [undefined, 'Always'],
  ])('%s -> %s', (image, policy) => {
    expect(defaultImagePullPolicy(image)).toBe(policy);
  });
});
