/**
 * @module ClusterSigner: the CA that signs approved client CSRs (kube-controller-manager's
 * --cluster-signing-cert-file / --cluster-signing-key-file), with @peculiar/x509 on WebCrypto.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
import { loadX509, type X509 } from '@skiff/api';

/** Kube backdates NotBefore so a client whose clock is a little behind still accepts the certificate. */
const BACKDATE_MS = 5 * 60_000;

export interface SignRequest {
  /** The CSR's PEM. */
  csrPem: string;
  /** How long the certificate lasts. */
  durationMs: number;
  nowMs: number;
  /** Extended key usages to put in the certificate (client auth). */
  clientAuth: boolean;
  serverAuth: boolean;
}

/** ClusterSigner holds the CA certificate and its private key. */
export class ClusterSigner {
  readonly #certPem: string;
  #cert: X509.X509Certificate | undefined;
  readonly #key: CryptoKey;
  readonly #alg: EcKeyImportParams | RsaHashedImportParams;

  private constructor(certPem: string, key: CryptoKey, alg: EcKeyImportParams | RsaHashedImportParams) {
    this.#certPem = certPem;
    this.#key = key;
    this.#alg = alg;
  }

  /** load reads a PEM CA certificate and its PEM private key (PKCS#8, SEC1 or PKCS#1; EC or RSA). */
  static async load(certPem: string, keyPem: string): Promise<ClusterSigner> {
    // Node's parser checks the file at start; @peculiar/x509 (hundreds of modules) loads at the first signing.
    new X509Certificate(certPem);
    const keyObject = createPrivateKey(keyPem);
    const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
    let alg: EcKeyImportParams | RsaHashedImportParams;
    if (keyObject.asymmetricKeyType === 'ec') {
      const curve = keyObject.asymmetricKeyDetails?.namedCurve;
      alg = { name: 'ECDSA', namedCurve: curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256' };
    } else if (keyObject.asymmetricKeyType === 'rsa') {
      alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    } else {
      throw new Error(`cluster signing key: unsupported key type ${keyObject.asymmetricKeyType}`);
    }
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
    return new ClusterSigner(certPem, key, alg);
  }

  get certificate(): X509.X509Certificate {
    return (this.#cert ??= new (loadX509().X509Certificate)(this.#certPem));
  }

  /** sign issues a certificate for the CSR's subject and public key; it throws if the CSR's signature is bad. */
  async sign(r: SignRequest): Promise<string> {
    const x509 = loadX509();
    const ca = this.certificate;
    const csr = new x509.Pkcs10CertificateRequest(r.csrPem);
    if (!(await csr.verify())) throw new Error('the certificate request signature is invalid');
    const notBefore = new Date(r.nowMs - BACKDATE_MS);
    // Never past the CA's own expiry (kube caps the same way).
    const notAfter = new Date(Math.min(r.nowMs + r.durationMs, ca.notAfter.getTime()));
    const rsa = csr.publicKey.algorithm.name.startsWith('RSA');
    const usages = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
    const eku: string[] = [];
    if (r.clientAuth) eku.push(x509.ExtendedKeyUsage.clientAuth);
    if (r.serverAuth) eku.push(x509.ExtendedKeyUsage.serverAuth);
    const signingAlgorithm = this.#alg.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '7'),
      subject: csr.subjectName,
      issuer: ca.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: this.#key,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usages, true),
        new x509.ExtendedKeyUsageExtension(eku),
        await x509.AuthorityKeyIdentifierExtension.create(ca),
      ],
    });
    return cert.toString('pem');
  }
}
