/**
 * Run the Vault stand-in by hand or from tests:
 *   node dist/scripts/vault-dev-server.js [--port 8200] [--host 127.0.0.1] [--root-token root] [--data FILE]
 *     [--namespace NAME …] (Vault Enterprise namespaces that exist; without any, CE: the header is ignored)
 * It prints one JSON line {"addr","token"} on stdout once it listens, then serves until
 * killed. With --data FILE its state (secrets, tokens, roles) survives a restart. Faults are set
 * over HTTP: POST /_standin/faults {"failRate":0.2,"status":503}. It is a test double, not
 * Vault: docs/vault.md lists what it does and does not do.
 */
import { parseArgs } from 'node:util';
import { startVaultStandIn } from './vault/server.js';

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '8200' },
      host: { type: 'string', default: '127.0.0.1' },
      'root-token': { type: 'string', default: 'root' },
      data: { type: 'string' },
      namespace: { type: 'string', multiple: true },
    },
  }));
} catch (error) {
  process.stderr.write(`vault-dev-server: ${(error as Error).message}\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`vault-dev-server: --port must be a port number (0 to 65535), got ${JSON.stringify(values.port)}\n`);
  process.exit(2);
}

try {
  const standIn = await startVaultStandIn({
    port,
    host: values.host,
    rootToken: values['root-token'],
    dataFile: values.data,
    namespaces: values.namespace,
  });
  process.stdout.write(`${JSON.stringify({ addr: standIn.url, token: standIn.rootToken })}\n`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`vault-dev-server: ${(error as Error).message}\n`);
  process.exit(1);
}
