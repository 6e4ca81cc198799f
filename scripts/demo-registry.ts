/**
 * The demo's public key registry for the ed25519 issuer: where verifiers would look up a
 * signing key's public half. A JSON file, .keyturn/demo/registry.json under the working
 * directory. The key arrives by environment, as keyturn hands it to commands:
 *
 *   register    KEYTURN_KEY_ID, KEYTURN_PUBLIC_KEY → add (or replace) the entry
 *   deregister  KEYTURN_KEY_ID → remove it; already absent is fine
 *   check       KEYTURN_KEY_ID → exit 0 when registered, 1 when not
 *
 * Only public keys are stored here.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Entry {
  keyId: string;
  publicKey: string;
  registeredAt: string;
}

const FILE = path.join('.keyturn', 'demo', 'registry.json');
const LOCK = `${FILE}.lock`;
const LOCK_WAIT_MS = 5000;

function fail(message: string, code = 2): never {
  process.stderr.write(`demo-registry: ${message}\n`);
  process.exit(code);
}

function need(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set`);
  return value;
}

function read(): Entry[] {
  let text: string;
  try {
    text = fs.readFileSync(FILE, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { keys?: Entry[] };
  return Array.isArray(parsed.keys) ? parsed.keys : [];
}

function write(entries: Entry[]): void {
  const temp = `${FILE}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify({ keys: entries }, null, 2)}\n`);
  fs.renameSync(temp, FILE);
}

/** Two keys may rotate at once: read-modify-write under an exclusive lock file. */
async function locked<T>(work: () => T): Promise<T> {
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(LOCK, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > until) fail(`${LOCK} is held; remove it if no registry command is running`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

async function main(): Promise<void> {
  const command = process.argv[2];
  switch (command) {
    case 'register': {
      const keyId = need('KEYTURN_KEY_ID');
      const publicKey = need('KEYTURN_PUBLIC_KEY');
      await locked(() => write([...read().filter((e) => e.keyId !== keyId), { keyId, publicKey, registeredAt: new Date().toISOString() }]));
      process.stdout.write(`registered ${keyId}\n`);
      return;
    }
    case 'deregister': {
      const keyId = need('KEYTURN_KEY_ID');
      const removed = await locked(() => {
        const entries = read();
        const kept = entries.filter((e) => e.keyId !== keyId);
        if (kept.length !== entries.length) write(kept);
        return kept.length !== entries.length;
      });
      process.stdout.write(`${removed ? 'deregistered' : 'was not registered:'} ${keyId}\n`);
      return;
    }
    case 'check': {
      const keyId = need('KEYTURN_KEY_ID');
      const found = read().some((e) => e.keyId === keyId);
      process.stdout.write(`${keyId} ${found ? 'is' : 'is not'} registered\n`);
      process.exitCode = found ? 0 : 1;
      return;
    }
    default:
      fail('usage: demo-registry register|deregister|check  (KEYTURN_KEY_ID, KEYTURN_PUBLIC_KEY in the environment)');
  }
}

await main();
