/**
 * @module defaultImagePullPolicy: the pull policy Kubernetes picks from an image reference.
 */
import type { PullPolicy } from '../pod.js';

/**
 * defaultImagePullPolicy is Always for `:latest` or untagged images (they can change under the same name) and
 * IfNotPresent for any other tag or a digest, as SetDefaults_Container does.
 */
export function defaultImagePullPolicy(image: string | undefined): PullPolicy {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

/** imageTag returns the tag of an image reference: "latest" when absent, "" when the image is pinned by digest. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  // A colon before the last slash belongs to a registry host:port, not a tag.
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}
