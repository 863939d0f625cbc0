import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Certificate-key pairs, generated when the emulator starts (never committed): an RSA or EC
 * key and a self-signed X.509 certificate, as Authentik's `CertificateKeyPair` holds them.
 * The certificate is built with a minimal DER encoder because Node can parse but not create
 * certificates; only what Authentik's API and JWKS expose is needed from it.
 */
export interface KeyMaterial {
  keyType: 'rsa' | 'ec';
  curve?: 'P-256' | 'P-384' | 'P-521';
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PEM of the private key; Authentik's `kid` is md5 of it */
  keyPem: string;
  certDer: Buffer;
  certPem: string;
  kid: string;
  /** JWS algorithm Authentik derives from the key */
  alg: 'RS256' | 'ES256' | 'ES384' | 'ES512';
  notBefore: Date;
  notAfter: Date;
  subject: string;
  fingerprintSha256: string;
  fingerprintSha1: string;
}

// --- DER -------------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const int = (value: Buffer): Buffer =>
  tlv(0x02, value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const explicit = (n: number, body: Buffer): Buffer => tlv(0xa0 + n, body);
const NULL = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >> 7;
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(
    d.getUTCMinutes(),
  )}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

const OID = {
  cn: '2.5.4.3',
  o: '2.5.4.10',
  ou: '2.5.4.11',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
};

function name(cn: string): Buffer {
  const rdn = (type: string, value: string) => set(seq(oid(type), utf8(value)));
  return seq(rdn(OID.cn, cn), rdn(OID.o, 'authentik'), rdn(OID.ou, 'Self-signed'));
}

// --- generation ------------------------------------------------------------------------------

const cache = new Map<string, KeyMaterial>();

/**
 * Generates (once per process and name) a key pair and its self-signed certificate, valid for
 * one year like the certificates Authentik generates.
 */
export function generateKeyMaterial(
  commonName: string,
  keyType: 'rsa' | 'ec',
  curve: 'P-256' | 'P-384' | 'P-521' = 'P-256',
): KeyMaterial {
  const cacheKey = `${commonName}\u0000${keyType}\u0000${curve}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const { privateKey, publicKey } =
    keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: curve });
  const hash =
    keyType === 'rsa' ? 'sha256' : { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' }[curve];
  const sigOid =
    keyType === 'rsa'
      ? OID.sha256WithRSA
      : { 'P-256': OID.ecdsaSha256, 'P-384': OID.ecdsaSha384, 'P-521': OID.ecdsaSha512 }[curve];
  const sigAlg = keyType === 'rsa' ? seq(oid(sigOid), NULL) : seq(oid(sigOid));
  const notBefore = new Date();
  notBefore.setUTCMilliseconds(0);
  const notAfter = new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000);
  const serial = createHash('sha256')
    .update(cacheKey)
    .update(String(notBefore.getTime()))
    .digest()
    .subarray(0, 16);
  // positive and minimal in DER: the first byte is neither 0 nor >= 0x80
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    explicit(0, int(Buffer.from([2]))),
    int(serial),
    sigAlg,
    name(commonName),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(commonName),
    spki,
  );
  const signature = sign(hash, tbs, privateKey);
  const certDer = seq(tbs, sigAlg, bitString(signature));
  const cert = new X509Certificate(certDer);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const material: KeyMaterial = {
    keyType,
    curve: keyType === 'ec' ? curve : undefined,
    privateKey,
    publicKey,
    keyPem,
    certDer,
    certPem: cert.toString(),
    kid: createHash('md5').update(keyPem).digest('hex'),
    alg:
      keyType === 'rsa'
        ? 'RS256'
        : ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const)[curve],
    notBefore,
    notAfter,
    subject: `OU=Self-signed,O=authentik,CN=${commonName}`,
    fingerprintSha256: cert.fingerprint256.toLowerCase(),
    fingerprintSha1: cert.fingerprint.toLowerCase(),
  };
  cache.set(cacheKey, material);
  return material;
}

/** The JWK Authentik publishes for a signing key (`/application/o/<slug>/jwks/`). */
export function publicJwk(m: KeyMaterial): Record<string, unknown> {
  const jwk = m.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const x5t = (algo: string) => createHash(algo).update(m.certDer).digest('base64url');
  const common = {
    kid: m.kid,
    use: 'sig',
    alg: m.alg,
    x5c: [m.certDer.toString('base64')],
    x5t: x5t('sha1'),
    'x5t#S256': x5t('sha256'),
  };
  if (m.keyType === 'rsa') return { kty: 'RSA', ...common, n: jwk.n, e: jwk.e };
  return { kty: 'EC', ...common, crv: jwk.crv, x: jwk.x, y: jwk.y };
}
