import { describe, expect, it } from 'vitest';
import { parseImageName } from './parse-image-name.js';

describe('parseImageName', () => {
  it.each([
    ['busybox', 'busybox', 'latest', ''],
    ['busybox:1.36', 'busybox', '1.36', ''],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause', '3.10', ''],
    // The colon of a registry port is not a tag: the node agent used to read this as tagged.
    ['host:5000/img', 'host:5000/img', 'latest', ''],
    ['host:5000/img:v1', 'host:5000/img', 'v1', ''],
    ['localhost/img', 'localhost/img', 'latest', ''],
    ['registry.example.com:443/team/app:v2', 'registry.example.com:443/team/app', 'v2', ''],
    ['img@sha256:abc', 'img', '', 'sha256:abc'],
    ['img:1.0@sha256:abc', 'img', '1.0', 'sha256:abc'],
    ['host:5000/img@sha256:abc', 'host:5000/img', '', 'sha256:abc'],
  ])('%s -> %s, tag %s, digest %s', (image, repository, tag, digest) => {
    expect(parseImageName(image)).toEqual({ repository, tag, digest });
  });
});
