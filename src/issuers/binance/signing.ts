/**
 * Request signing as Binance documents it: parameters percent-encoded (RFC 3986, UTF-8)
 * BEFORE signing, the exact encoded string signed and sent; HMAC-SHA256 → hex, Ed25519 →
 * base64 (percent-encoded again when it goes on the wire, since base64 has + / =).
 */
import { createHmac, createPrivateKey, sign } from 'node:crypto';

export type Params = Record<string, string | number | boolean | undefined>;

/** encodeURIComponent leaves !'()* alone; RFC 3986 reserves them. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function encodeParams(params: Params): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(String(v))}`)
    .join('&');
}

export interface Signer {
  readonly kind: 'hmac' | 'ed25519';
  /** the value of the `signature` parameter, already percent-encoded */
  sign(payload: string): string;
}

export function hmacSigner(secret: string): Signer {
  return { kind: 'hmac', sign: (payload) => createHmac('sha256', secret).update(payload).digest('hex') };
}

export function ed25519Signer(privateKeyPem: string): Signer {
  const key = createPrivateKey(privateKeyPem);
  return { kind: 'ed25519', sign: (payload) => percentEncode(sign(null, Buffer.from(payload), key).toString('base64')) };
}

/** HMAC with `secret`, or Ed25519 with `privateKey` (PEM): what a key's material holds. */
export function signerFor(material: Record<string, string>): Signer | undefined {
  if (material.privateKey) return ed25519Signer(material.privateKey);
  if (material.secret) return hmacSigner(material.secret);
  return undefined;
}
