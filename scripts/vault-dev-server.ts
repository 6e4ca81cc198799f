/**
 * Run the Vault stand-in by hand or from tests:
 *   node dist/scripts/vault-dev-server.js [--port 8200] [--host 127.0.0.1] [--root-token root]
 * It prints one JSON line {"addr","token"} on stdout once it listens, then serves until
 * killed. Faults are set over HTTP: POST /_standin/faults {"failRate":0.2,"status":503}.
 * It is a test double, not Vault: docs/vault.md lists what it does and does not do.
 */
import { parseArgs } from 'node:util';
import { startVaultStandIn } from './vault/server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8200' },
    host: { type: 'string', default: '127.0.0.1' },
    'root-token': { type: 'string', default: 'root' },
  },
});

const standIn = await startVaultStandIn({ port: Number(values.port), host: values.host, rootToken: values['root-token'] });
process.stdout.write(`${JSON.stringify({ addr: standIn.url, token: standIn.rootToken })}\n`);
const stop = () => void standIn.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
