/**
 * @module parseImageName: split a container image reference into repository, tag and digest (the kubelet's
 * parsers.ParseImageName over docker/distribution reference grammar).
 */

/** ImageName is an image reference taken apart; `repository` is kept as written (Docker resolves short names). */
export interface ImageName {
  /** The reference without tag and digest, registry host included: `host:5000/team/app`. */
  repository: string;
  /** The tag; "latest" when the reference has neither a tag nor a digest, "" when it has only a digest. */
  tag: string;
  /** The digest (`sha256:...`), "" when absent. */
  digest: string;
}

/**
 * parseImageName splits an image reference. A first path component containing '.' or ':' or equal to
 * "localhost" is a registry host, so the colon in `host:5000/img` is a port, not a tag: that image has no tag
 * and defaults to "latest".
 */
export function parseImageName(image: string): ImageName {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const slash = named.indexOf('/');
  const first = slash >= 0 ? named.slice(0, slash) : '';
  const isHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = isHost ? named.slice(0, slash + 1) : '';
  const path = named.slice(domain.length);
  const colon = path.lastIndexOf(':');
  const tag = colon >= 0 ? path.slice(colon + 1) : '';
  return {
    repository: domain + (colon >= 0 ? path.slice(0, colon) : path),
    tag: tag || (digest ? '' : 'latest'),
    digest,
  };
}
