/**
 * @module ServiceAccountTokens: signs and verifies bound ServiceAccount JWTs with kube's claims
 * (pkg/serviceaccount/claims.go): iss, sub, aud, exp, iat, nbf, jti and the private `kubernetes.io` claim.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { keyId, type ServiceAccountKeys } from './service-account-keys.js';

// jose (about 50 modules) loads with the first token seen, issued or published, not with every start.
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = () => (joseModule ??= import('jose'));

/** kube-apiserver's default --service-account-issuer (and so its API audience). */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The `kubernetes.io` private claim. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

/** What a token is issued for: its subject and binding, its audiences and lifetime. */
export interface TokenGrant {
  claim: KubernetesClaim;
  audiences: string[];
  expirationSeconds: number;
}

/** A token that verified: its claims, which the authenticator still checks against the store. */
export interface VerifiedToken {
  claim: KubernetesClaim;
  audiences: string[];
  jti?: string;
  expiresAt: number;
}

export interface ServiceAccountTokensOptions {
  keys: ServiceAccountKeys;
  /** --service-account-issuer: the first names new tokens, every one is accepted (for issuer migrations). */
  issuers: string[];
  /** --api-audiences: a token must name one to authenticate here; kube defaults them to the issuers. */
  apiAudiences?: string[];
  clock: { now(): number };
}

const ALG = 'RS256';

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly #o: ServiceAccountTokensOptions;
  readonly #kid: string;
  readonly #byKid: Map<string, KeyObject>;

  constructor(opts: ServiceAccountTokensOptions) {
    if (opts.issuers.length === 0 || opts.issuers.some((i) => !i)) throw new Error('--service-account-issuer must not be empty');
    if (opts.keys.signingKey.asymmetricKeyType !== 'rsa') throw new Error('--service-account-signing-key-file must be an RSA private key (tokens are RS256)');
    this.#o = opts;
    this.issuer = opts.issuers[0]!;
    this.apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : opts.issuers;
    this.#kid = keyId(opts.keys.signingKey);
    this.#byKid = new Map(opts.keys.verificationKeys.map((k) => [keyId(k), k]));
  }

  /** issue signs a token; `now` is the clock's, so exp and iat follow an injected clock in tests. */
  async issue(grant: TokenGrant): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(this.#o.clock.now() / 1000);
    const exp = now + grant.expirationSeconds;
    const sub = `system:serviceaccount:${grant.claim.namespace}:${grant.claim.serviceaccount.name}`;
    const { SignJWT } = await jose();
    const token = await new SignJWT({ 'kubernetes.io': grant.claim })
      .setProtectedHeader({ alg: ALG, kid: this.#kid })
      .setIssuer(this.issuer)
      .setSubject(sub)
      .setAudience(grant.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.#o.keys.signingKey);
    return { token, expiresAt: exp * 1000 };
  }

  /**
   * handles says whether `token` is a JWT from one of our issuers. Anything else belongs to another authenticator
   * (kube's JWT authenticator answers "not mine" the same way, so a static token never reads as a bad JWT).
   */
  async handles(token: string): Promise<boolean> {
    if (token.split('.').length !== 3) return false;
    const { decodeJwt } = await jose();
    try {
      const iss = decodeJwt(token).iss;
      return iss !== undefined && this.#o.issuers.includes(iss);
    } catch {
      return false;
    }
  }

  /** verify checks signature, issuer, audience and lifetime; it throws on any failure. */
  async verify(token: string): Promise<VerifiedToken> {
    const { jwtVerify } = await jose();
    const { payload } = await jwtVerify(token, async (header) => {
      const key = header.kid ? this.#byKid.get(header.kid) : undefined;
      if (key) return key;
      if (header.kid) throw new Error('unknown key id');
      // No kid (a token from another signer of the same issuer): only a single key can be tried.
      if (this.#byKid.size !== 1) throw new Error('token has no key id');
      return [...this.#byKid.values()][0]!;
    }, { algorithms: [ALG], issuer: this.#o.issuers, audience: this.apiAudiences, currentDate: new Date(this.#o.clock.now()), requiredClaims: ['exp', 'sub'] });
    const claim = payload['kubernetes.io'] as KubernetesClaim | undefined;
    if (!claim?.namespace || !claim.serviceaccount?.name || !claim.serviceaccount.uid) throw new Error('token has no kubernetes.io claim');
    if (payload.sub !== `system:serviceaccount:${claim.namespace}:${claim.serviceaccount.name}`) throw new Error('sub does not match the kubernetes.io claim');
    const aud = payload.aud;
    return { claim, audiences: Array.isArray(aud) ? aud : aud ? [aud] : [], ...(payload.jti ? { jti: payload.jti } : {}), expiresAt: (payload.exp ?? 0) * 1000 };
  }

  /** jwks is /openid/v1/jwks: every verification key, as kube publishes them for OIDC discovery. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const { exportJWK } = await jose();
    const keys = await Promise.all([...this.#byKid].map(async ([kid, k]) => ({ ...(await exportJWK(k)), kid, use: 'sig', alg: ALG })));
    return { keys };
  }

  /** openidConfiguration is /.well-known/openid-configuration (kube's serviceaccount.NewOpenIDMetadata). */
  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [ALG],
    };
  }
}
