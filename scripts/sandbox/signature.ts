/**
 * Signature checks exactly as Binance documents them: the signed payload is the query string
 * followed by the form body, byte for byte AS SENT (so still percent-encoded), without the
 * `signature` parameter. HMAC-SHA256 signatures are hex and case-insensitive; Ed25519
 * signatures are base64 (percent-encoded on the wire, decoded before checking).
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** Drop `signature=…` from one raw part (query or body), keeping every other byte. */
function withoutSignature(raw: string): { rest: string; signature?: string } {
  if (raw === '') return { rest: '' };
  const parts = raw.split('&');
  const kept: string[] = [];
  let signature: string | undefined;
  for (const part of parts) {
    if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length).replace(/\+/g, ' '));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signature };
}

/** The payload Binance signs over, and the signature found in either part. */
export function signedPayload(rawQuery: string, rawBody: string): { payload: string; signature?: string } {
  const query = withoutSignature(rawQuery);
  const body = withoutSignature(rawBody);
  return { payload: query.rest + body.rest, signature: query.signature ?? body.signature };
}

export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

export function verifyHmac(secret: string, payload: string, signature: string): boolean {
  const expected = Buffer.from(hmacHex(secret, payload));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A public key as Binance accepts it: PEM, or the base64 of its DER (SPKI). */
export function parseEd25519PublicKey(text: string): KeyObject | undefined {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

export function verifyEd25519(publicKey: KeyObject, payload: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
