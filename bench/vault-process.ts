/** The Vault stand-in as its own process, as a Vault server would be: the benches' shared store. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface VaultProcess {
  addr: string;
  token: string;
  stop(): void;
}

export async function startVaultProcess(): Promise<VaultProcess> {
  const script = fileURLToPath(new URL('../scripts/vault-dev-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.once('exit', () => reject(new Error('the stand-in exited')));
  });
  const { addr, token } = JSON.parse(line) as { addr: string; token: string };
  return { addr, token, stop: () => child.kill('SIGTERM') };
}
