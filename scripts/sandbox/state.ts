/**
 * The sandbox's accounts and API keys, optionally persisted to a JSON file (0600: it holds
 * the sandbox's secrets) so a demo finds the same exchange on its next run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';

export interface SandboxKey {
  apiKey: string;
  /** HMAC keys: the secret the exchange generated */
  secretKey?: string;
  /** Ed25519 keys: the caller's public key (PEM or base64 DER) */
  publicKey?: string;
  apiName: string;
  account: string;
  /** 1 = unrestricted, 2 = trusted IPs only, 3 = a third party's IPs (thirdPartyName) */
  status: 1 | 2 | 3;
  thirdPartyName?: string;
  ipList: string[];
  canTrade: boolean;
  canMarginLoanRepay: boolean;
  canFuturesTrade: boolean;
  canUniversalTransfer: boolean;
  canVanillaOptions: boolean;
  /** only the web UI can turn these on: no API sets them */
  enableWithdrawals: boolean;
  enableInternalTransfer: boolean;
  createTime: number;
  /** the master account's own key may manage its sub-accounts' keys */
  manageSubAccounts?: boolean;
}

export interface SandboxAccount {
  email: string;
  subAccountId: string;
  /** the master's email for a sub-account; undefined for a master */
  master?: string;
}

interface Data {
  accounts: SandboxAccount[];
  keys: SandboxKey[];
}

export const MAX_KEYS_PER_ACCOUNT = 30;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomToken(length = 64): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (const byte of bytes) {
    // rejection sampling keeps every character equally likely
    if (byte < 248) out += ALNUM[byte % 62];
    if (out.length === length) break;
  }
  return out;
}

export class SandboxState {
  private data: Data = { accounts: [], keys: [] };

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) this.data = JSON.parse(readFileSync(file, 'utf8')) as Data;
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  account(email: string): SandboxAccount | undefined {
    return this.data.accounts.find((a) => a.email === email);
  }

  accountById(subAccountId: string): SandboxAccount | undefined {
    return this.data.accounts.find((a) => a.subAccountId === subAccountId);
  }

  addAccount(email: string, master?: string): SandboxAccount {
    const existing = this.account(email);
    if (existing) return existing;
    const account = { email, master, subAccountId: String(100000 + this.data.accounts.length + 1) };
    this.data.accounts.push(account);
    this.save();
    return account;
  }

  accounts(): readonly SandboxAccount[] {
    return this.data.accounts;
  }

  key(apiKey: string): SandboxKey | undefined {
    return this.data.keys.find((k) => k.apiKey === apiKey);
  }

  keysOf(email: string): SandboxKey[] {
    return this.data.keys.filter((k) => k.account === email);
  }

  allKeys(): readonly SandboxKey[] {
    return this.data.keys;
  }

  addKey(fields: Omit<SandboxKey, 'apiKey' | 'createTime'>, now: number): SandboxKey {
    const key: SandboxKey = { ...fields, apiKey: randomToken(64), createTime: now };
    this.data.keys.push(key);
    this.save();
    return key;
  }

  update(apiKey: string, patch: Partial<SandboxKey>): SandboxKey | undefined {
    const key = this.key(apiKey);
    if (!key) return undefined;
    Object.assign(key, patch);
    this.save();
    return key;
  }

  deleteKey(apiKey: string): boolean {
    const before = this.data.keys.length;
    this.data.keys = this.data.keys.filter((k) => k.apiKey !== apiKey);
    this.save();
    return this.data.keys.length < before;
  }
}
