/**
 * A real moto_server for the AWS tests and `npm run bench:aws`: 127.0.0.1, a random free port,
 * signatures checked (INITIAL_NO_AUTH_ACTION_COUNT=0). With auth on, no key works until one
 * exists in moto's IAM, so bootstrap() opens a window of exactly three unauthenticated calls
 * through moto's /moto-api/reset-auth (create user, inline Allow * policy, create access key),
 * then closes it: every later call is signed with that admin key and checked. If moto_server
 * is missing the suite fails loudly: CI must not turn green by skipping AWS.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { freePort } from '../scripts/free-port.js';

export interface Moto {
  endpoint: string;
  region: string;
  /** admin credentials (env names as the SDK and the aws CLI read them) */
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 20s: ${output()}`);
}

async function setAuthWindow(endpoint: string, count: number): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: String(count),
  });
  if (!res.ok) throw new Error(`moto reset-auth answered ${res.status}`);
}

export async function startMoto(): Promise<Moto> {
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status !== 0) throw new Error('moto_server is not installed: the AWS tests need it (pip install "moto[server]")');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-2000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-2000)));
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  };
  try {
    await waitUntilUp(endpoint, child, () => out);
    const region = 'us-east-1';
    await setAuthWindow(endpoint, 3);
    // placeholders, not credentials: inside the window moto accepts any signer; the admin key it makes next is real
    const iam = new IAMClient({ region, endpoint, credentials: { accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap' } });
    await iam.send(new CreateUserCommand({ UserName: 'keyturn-admin' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'keyturn-admin',
        PolicyName: 'all',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'keyturn-admin' }));
    iam.destroy();
    await setAuthWindow(endpoint, 0);
    return {
      endpoint,
      region,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: key.AccessKey!.AccessKeyId!,
        AWS_SECRET_ACCESS_KEY: key.AccessKey!.SecretAccessKey!,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SDK client options for the admin identity. */
export function adminClientConfig(moto: Moto) {
  return {
    region: moto.region,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: moto.env.AWS_ACCESS_KEY_ID!, secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY! },
  };
}
