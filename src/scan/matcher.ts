/**
 * The managed secrets as a multi-pattern search: every value (12 characters or more) in the
 * forms the redactor knows (as written, JSON-escaped, URL-encoded, base64 and base64url at
 * the three byte alignments, hex; a PEM body as a whole and line by line), the first 12
 * characters of each form in one GramIndex (src/log/gram-index.ts). One rolling pass over a
 * text finds every place a form may start; only there is the whole form compared. Texts are
 * bytes read as latin1, so a form is searched as its UTF-8 bytes.
 */
import { GramIndex } from '../log/gram-index.js';
import { encodings, FRAGMENT_LENGTH, secretParts } from '../log/redactor.js';

export type Version = 'CURRENT' | 'PENDING' | 'PREVIOUS';

export interface ManagedSecret {
  /** the key's id in rotation.yaml */
  key: string;
  /** the material field (secret, apiKey, privateKey…) */
  field: string;
  version: Version;
  value: string;
  /** an issuer's admin credential (a management key), not a key of rotation.yaml: no API revokes it */
  admin?: true;
}

export type Encoding = 'as written' | 'json-escaped' | 'url-encoded' | 'base64' | 'base64url' | 'hex';

export interface Form {
  /** the form's bytes as latin1 text; never leaves this module's callers' memory */
  readonly text: string;
  readonly secret: ManagedSecret;
  readonly encoding: Encoding;
}

/** Values shorter than this are not searched: as substrings they would match ordinary text. */
export const MIN_SCANNED_LENGTH = FRAGMENT_LENGTH;
/** 4M bits (512 KB): with tens of thousands of forms, almost every position is rejected by the bitmap alone */
const FILTER_BITS = 1 << 22;

export class SecretMatcher {
  private readonly index = new GramIndex(MIN_SCANNED_LENGTH, FILTER_BITS);
  private readonly byPrefix = new Map<string, Form[]>();
  /** values too short to search */
  readonly tooShort: number = 0;
  readonly forms: number = 0;
  readonly values: number = 0;

  constructor(secrets: readonly ManagedSecret[]) {
    let tooShort = 0;
    let forms = 0;
    const seen = new Set<string>();
    for (const secret of secrets) {
      if (secret.value.trim().length < MIN_SCANNED_LENGTH) {
        tooShort++;
        continue;
      }
      for (const part of secretParts(secret.value)) {
        for (const [kind, form] of encodings(part)) {
          const text = Buffer.from(form, 'utf8').toString('latin1');
          const id = `${secret.key}\0${secret.field}\0${secret.version}\0${text}`;
          if (text.length < MIN_SCANNED_LENGTH || seen.has(id)) continue;
          seen.add(id);
          const prefix = text.slice(0, MIN_SCANNED_LENGTH);
          this.index.add(prefix);
          let list = this.byPrefix.get(prefix);
          if (!list) this.byPrefix.set(prefix, (list = []));
          list.push({ text, secret, encoding: encodingOf(kind, form, part) });
          forms++;
        }
      }
    }
    this.tooShort = tooShort;
    this.forms = forms;
    this.values = secrets.length - tooShort;
  }

  /** Every form found in `text`, in order of position. */
  scan(text: string, onHit: (at: number, form: Form) => void): void {
    if (this.forms === 0) return;
    this.index.each(text, (at, window) => {
      for (const form of this.byPrefix.get(window) ?? []) if (text.startsWith(form.text, at)) onHit(at, form);
    });
  }
}

function encodingOf(kind: 'text' | 'base64' | 'hex', form: string, part: string): Encoding {
  if (form === part) return 'as written';
  if (kind === 'hex') return 'hex';
  if (kind === 'base64') return /[-_]/.test(form) ? 'base64url' : 'base64';
  return /%[0-9A-F]{2}/.test(form) && !form.includes('\\') ? 'url-encoded' : 'json-escaped';
}
