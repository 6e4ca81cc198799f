/**
 * JWT verification as Vault's JWT and Kubernetes auth methods do it with static public keys:
 * hashicorp/cap jwt (StaticKeySet.VerifySignature, Validator.Validate) with its error texts.
 * RS256, ES256 and EdDSA; the default leeways (150 s for a missing exp or nbf, 60 s clock skew).
 * Also a signer, for tests and for an operator trying the stand-in by hand.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown> & {
  aud?: string | string[];
  sub?: string;
  iss?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
};

export interface JwtExpectations {
  issuer?: string;
  subject?: string;
  audiences: string[];
  /** ValidateAllowMissingIatNbfExp (the Kubernetes method): a token with no time claims is fine */
  allowMissingTimes?: boolean;
  /** ms since the epoch */
  now: number;
}

const CLOCK_SKEW_S = 60;
const DEFAULT_LEEWAY_S = 150;

const ALGORITHMS: Record<string, { hash: string | null; dsaEncoding?: 'ieee-p1363'; kind: string }> = {
  RS256: { hash: 'sha256', kind: 'rsa' },
  ES256: { hash: 'sha256', dsaEncoding: 'ieee-p1363', kind: 'ec' },
  EdDSA: { hash: null, kind: 'ed25519' },
};

export function verifyJwt(token: string, publicKeys: string[], expected: JwtExpectations): JwtClaims {
  const claims = verifySignature(token, publicKeys);
  const times = ['iat', 'exp', 'nbf'].map((c) => (typeof claims[c] === 'number' ? (claims[c] as number) : 0));
  const iat = times[0]!;
  let [, exp, nbf] = times as [number, number, number];
  if (iat === 0 && exp === 0 && nbf === 0 && !expected.allowMissingTimes)
    throw new Error('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  if (exp === 0 && (iat !== 0 || nbf !== 0)) exp = Math.max(iat, nbf) + DEFAULT_LEEWAY_S;
  if (nbf === 0 && iat !== 0) nbf = iat;
  if (expected.issuer && expected.issuer !== claims.iss) throw new Error('invalid issuer (iss) claim');
  if (expected.subject && expected.subject !== claims.sub) throw new Error('invalid subject (sub) claim');
  if (expected.audiences.length > 0) {
    const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    if (!expected.audiences.some((a) => aud.includes(a)))
      throw new Error('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  const now = expected.now / 1000;
  if (nbf !== 0 && now + CLOCK_SKEW_S < nbf) throw new Error('invalid not before (nbf) claim: token not yet valid');
  if (exp !== 0 && now - CLOCK_SKEW_S > exp) throw new Error('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && now + CLOCK_SKEW_S < iat) throw new Error('invalid issued at (iat) claim: token issued in the future');
  return claims;
}

function verifySignature(token: string, publicKeys: string[]): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('error verifying token signature: failed to parse JWT: compact JWS format must have three parts');
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    throw new Error('error verifying token signature: failed to parse JWT');
  }
  const alg = ALGORITHMS[header.alg ?? ''];
  const data = Buffer.from(`${head}.${body}`);
  const sig = Buffer.from(signature, 'base64url');
  const valid =
    alg !== undefined &&
    publicKeys.some((pem) => {
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch {
        return false;
      }
      if (key.asymmetricKeyType !== alg.kind) return false;
      try {
        return verify(alg.hash, data, alg.dsaEncoding ? { key, dsaEncoding: alg.dsaEncoding } : key, sig);
      } catch {
        return false;
      }
    });
  if (!valid) throw new Error('error verifying token signature: no known key successfully validated the token signature');
  return claims;
}

/** Sign claims with a PEM private key (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA). */
export function signJwt(claims: Record<string, unknown>, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  const type = key.asymmetricKeyType;
  const alg = type === 'rsa' ? 'RS256' : type === 'ec' ? 'ES256' : 'EdDSA';
  const head = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const spec = ALGORITHMS[alg]!;
  const sig = sign(spec.hash, Buffer.from(`${head}.${body}`), spec.dsaEncoding ? { key, dsaEncoding: spec.dsaEncoding } : key);
  return `${head}.${body}.${sig.toString('base64url')}`;
}
