import type { StoreRef } from '../../model.js';
/**
 * Where a key lives on the mount: the secret consumers read, and beside it under the prefix
 * keyturn's own documents (state, pending, history). Every module addresses Vault through
 * these, so the layout is decided in one place.
 */

export type OwnDocument = 'state' | 'pending' | 'history';

export class VaultPaths {
  constructor(
    readonly mount: string,
    readonly prefix: string,
  ) {}

  /** The secret itself: what consumers read. */
  secret(ref: StoreRef): string {
    return `${this.mount}/data/${ref.path}`;
  }

  /** The secret's metadata (custom_metadata, the version list). */
  secretMetadata(ref: StoreRef): string {
    return `${this.mount}/metadata/${ref.path}`;
  }

  /** The path that deletes versions of the secret. */
  secretDelete(ref: StoreRef): string {
    return `${this.mount}/delete/${ref.path}`;
  }

  /** One of keyturn's documents for this secret. */
  document(ref: StoreRef, doc: OwnDocument): string {
    return `${this.mount}/data/${this.prefix}/${ref.path}/${doc}`;
  }

  /** The prefix's root, as a data path and as the metadata path it is listed under. */
  documentsRoot(): { data: string; metadata: string } {
    return { data: `${this.mount}/data/${this.prefix}/`, metadata: `${this.mount}/metadata/${this.prefix}/` };
  }
}
