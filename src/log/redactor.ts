/**
 * Every secret value a run has seen is registered here, and every byte keyturn writes
 * (logs at any level, tables, JSON, errors, captured child output) passes through redact().
 */
export const REDACTED = '[REDACTED]';

/** Values shorter than this are not treated as secrets: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Register secret values (and their common encodings) for redaction. */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodings(value)) {
        if (!this.secrets.has(form)) {
          this.secrets.add(form);
          this.pattern = undefined;
        }
      }
    }
  }

  addMaterial(material: Record<string, string> | undefined): void {
    if (material) this.add(...Object.values(material));
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    this.pattern ??= this.compile();
    return text.replace(this.pattern, REDACTED);
  }

  /** Deep copy of a value with every string redacted. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item)) as T;
    if (value && typeof value === 'object') {
      if (value instanceof Error) return this.redact(value.message) as T;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }

  private compile(): RegExp {
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    return new RegExp(alternatives.join('|'), 'g');
  }
}

function encodings(value: string): string[] {
  const forms = [value];
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) forms.push(json);
  const uri = encodeURIComponent(value);
  if (uri !== value) forms.push(uri);
  forms.push(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
