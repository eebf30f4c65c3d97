import { describe, expect, it } from 'vitest';
import { defaultImagePullPolicy, imageTag } from './default-image-pull-policy.js';

describe('defaultImagePullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:1.0', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
    ['nginx:latest@sha256:abc', 'Always'],
    [undefined, 'Always'],
  ])('%s -> %s', (image, policy) => {
    expect(defaultImagePullPolicy(image)).toBe(policy);
  });

  it('extracts tags past registry ports', () => {
    expect(imageTag('registry.example.com:443/team/app:v2')).toBe('v2');
    expect(imageTag('registry.example.com:443/team/app')).toBe('latest');
  });
});
