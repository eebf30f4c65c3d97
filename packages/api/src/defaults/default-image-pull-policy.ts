/**
 * @module defaultImagePullPolicy: the pull policy Kubernetes picks from an image reference.
 */
import { parseImageName } from '../parse-image-name.js';
import type { PullPolicy } from '../pod.js';

/**
 * defaultImagePullPolicy is Always for `:latest` or untagged images (they can change under the same name) and
 * IfNotPresent for any other tag or a digest, as SetDefaults_Container does.
 */
export function defaultImagePullPolicy(image: string | undefined): PullPolicy {
  return parseImageName(image ?? '').tag === 'latest' ? 'Always' : 'IfNotPresent';
}
