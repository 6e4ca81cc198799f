/**
 * `keyturn init`'s rotation.yaml: one block per store type and per issuer type, each with an
 * example key and comments saying what to change. Every combination passes `keyturn validate`
 * as written (test/cli/init.test.ts runs them all).
 */
import type { StoreType } from '../../stores/kinds.js';
import type { IssuerType } from '../../issuers/kinds.js';

export const STORE_TYPES: readonly StoreType[] = ['file', 'vault', 'aws-secrets-manager'];
export const ISSUER_TYPES: readonly IssuerType[] = ['random', 'ed25519', 'command', 'manual', 'binance', 'aws-iam', 'postgres'];

interface StoreBlock {
  name: string;
  yaml: string;
  what: string;
}

const STORES: Record<StoreType, StoreBlock> = {
  file: {
    name: 'local',
    what: 'the embedded encrypted file store',
    yaml: `  local:
    type: file
    path: .keyturn/store.enc             # created on the first rotation
    masterKeyFile: .keyturn/master.key   # or KEYTURN_MASTER_KEY (64 hex characters); keep it out of git
    # masterKeyPeriod: 365d              # the master key's cryptoperiod: audit warns once it is older; keyturn store rekey local`,
  },
  vault: {
    name: 'vault',
    what: 'HashiCorp Vault KV v2 (docs/vault.md)',
    yaml: `  vault:
    type: vault
    mount: secret          # a KV v2 mount
    prefix: keyturn        # where keyturn keeps its own documents on that mount
    # address: https://vault.example:8200   (else VAULT_ADDR)
    # tokenFile: /run/secrets/vault-token    (else VAULT_TOKEN, else AppRole)
    # approle: { roleIdFile: role-id, secretIdFile: secret-id }`,
  },
  'aws-secrets-manager': {
    name: 'aws',
    what: 'AWS Secrets Manager (docs/aws.md)',
    yaml: `  aws:
    type: aws-secrets-manager
    prefix: keyturn/       # prepended to each key's path to name the secret
    # region: eu-central-1   (else the AWS chain: AWS_REGION, ~/.aws/config)`,
  },
};

interface IssuerBlock {
  name: string;
  what: string;
  /** the issuer's block; `STORE` is replaced by the store's name */
  yaml: string;
  /** the example key's id */
  id: string;
  /** the example key's lines after `issuer:`, indented by 4 */
  key: string;
  /** a consumer's env mapping: variable → material field */
  env: string;
}

const ISSUERS: Record<IssuerType, IssuerBlock> = {
  random: {
    id: 'webhook-secret',
    name: 'tokens',
    what: 'random tokens keyturn generates itself',
    yaml: `  tokens:
    type: random`,
    key: `    spec: { length: 48, alphabet: base62 }
    path: app/webhook-secret
    period: 30d`,
    env: 'WEBHOOK_SECRET: value',
  },
  ed25519: {
    id: 'signing-key',
    name: 'signing',
    what: 'Ed25519 key pairs; the public half is registered by your command',
    yaml: `  signing:
    type: ed25519
    # where verifiers read the public key from; each command gets it in KEYTURN_PUBLIC_KEY
    register: [./scripts/publish-public-key.sh, register]
    deregister: [./scripts/publish-public-key.sh, deregister]`,
    key: `    path: app/signing-key
    period: 90d`,
    env: 'SIGNING_KEY: privateKey',
  },
  command: {
    id: 'provider-api',
    name: 'provider',
    what: "your own scripts speak to the provider's API (docs/issuers.md)",
    yaml: `  provider:
    type: command
    create: [./scripts/provider.sh, create]    # prints the new key as JSON: { "keyId": …, "apiKey": …, "secret": … }
    revoke: [./scripts/provider.sh, revoke]    # deletes KEYTURN_KEY_ID; already gone is fine
    verify: [./scripts/provider.sh, verify]    # optional: a call with the new key
    timeout: 2m
    fields: [apiKey, secret]`,
    key: `    path: app/provider-api
    period: 90d`,
    env: 'PROVIDER_API_KEY: apiKey, PROVIDER_API_SECRET: secret',
  },
  manual: {
    id: 'console-api',
    name: 'console',
    what: 'a person creates the key in a web console and types it in at the prompt',
    yaml: `  console:
    type: manual
    instructions: |
      Log in to the provider's console with the team account and create an API key
      with read-only access; paste it when asked. keyturn deletes the old one with you after.`,
    key: `    spec: { apiKeyPattern: "[A-Za-z0-9]{32,64}", secretPattern: "[A-Za-z0-9]{32,64}" }
    path: app/console-api
    period: 90d`,
    env: 'CONSOLE_API_KEY: apiKey, CONSOLE_API_SECRET: secret',
  },
  binance: {
    id: 'trading-bot-api',
    name: 'exchange',
    what: 'Binance sub-account API keys, made with the master account management key (docs/binance.md)',
    yaml: `  exchange:
    type: binance
    baseUrl: https://api.binance.com
    # the master account's management key: where it is kept, never its value.
    # put it there with: keyturn store put STORE exchange/management
    managementKey: { store: STORE, path: exchange/management }`,
    key: `    spec: { email: bot@sub.example.com, keyType: hmac }    # the sub-account
    path: trading/bot/binance
    period: 30d
    tier: high-frequency
    restrictions:
      permissions: [reading, spot]      # never withdrawals
      ipWhitelist: [203.0.113.7]        # the bot's egress address
      account: sub`,
    env: 'BINANCE_API_KEY: apiKey, BINANCE_API_SECRET: secret',
  },
  'aws-iam': {
    id: 'deploy-bot-aws',
    name: 'iam',
    what: "an IAM user's access keys, by AWS's own procedure (docs/aws.md)",
    yaml: `  iam:
    type: aws-iam
    verifyTimeout: 30s     # how long to wait for IAM to accept the new key
    # region: eu-central-1   (else the AWS chain)`,
    key: `    spec: { user: deploy-bot }          # the IAM user whose access key rotates
    path: aws/deploy-bot
    period: 90d`,
    env: 'AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey',
  },
  postgres: {
    id: 'app-db-login',
    name: 'db',
    what: 'PostgreSQL login passwords, sent as SCRAM verifiers (docs/postgres.md)',
    yaml: `  db:
    type: postgres
    host: db.internal
    database: appdb
    sslmode: verify-full
    # { username, password } of a role that may ALTER the login roles: keyturn store put STORE admin/postgres
    admin: { store: STORE, path: admin/postgres }`,
    key: `    spec: { strategy: alternating, roles: [app_blue, app_green] }   # or { strategy: single, role: app }
    path: db/app-login
    period: 90d`,
    env: 'PGUSER: username, PGPASSWORD: password',
  },
};

export function isStoreType(type: string): type is StoreType {
  return (STORE_TYPES as readonly string[]).includes(type);
}

export function isIssuerType(type: string): type is IssuerType {
  return (ISSUER_TYPES as readonly string[]).includes(type);
}

export function describeChoice(kind: 'issuer' | 'store', type: string): string {
  return kind === 'issuer' ? ISSUERS[type as IssuerType].what : STORES[type as StoreType].what;
}

/** The commented rotation.yaml for one issuer and one store; `schema` is the JSON Schema's path relative to the file. */
export function rotationYaml(issuerType: IssuerType, storeType: StoreType, schema: string): string {
  const store = STORES[storeType];
  const issuer = ISSUERS[issuerType];
  return `# yaml-language-server: $schema=${schema}
#
# keyturn's rotation file: every key, who holds it, which issuer makes it, where it is stored,
# who uses it and how often it changes. Written by \`keyturn init --issuer ${issuerType} --store ${storeType}\`.
# Check it with \`keyturn validate\`, preview with \`keyturn plan\`, rotate with \`keyturn rotate --due\`.
# Reference: docs/rotation-yaml.md. \${ENV_VAR} is replaced from the environment; never write a secret here.
version: 1

defaults:
  store: ${store.name}
  overlap: 0s            # how long an old key keeps working after cutover before it is deleted
  consumerTimeout: 30s   # restart plus health check, per consumer
  leaseTtl: 15m
  concurrency: 4
  # window: Tue-Thu 09:00-16:00 Europe/Berlin   # when rotate --due may start a key (offboard and revoke ignore it)
  # blackout: [2026-12-24, 2026-12-28..2027-01-02]

# Where keys live between rotations: ${store.what}.
stores:
${store.yaml}

# Where keys are born and die: ${issuer.what}.
issuers:
${issuer.yaml.replace(/STORE/g, store.name)}

# Who can read which key: \`keyturn offboard PERSON\` rotates every key a person could read.
people:
  alice: { name: Alice Example, email: alice@example.com, teams: [ops] }

teams:
  ops: { members: [] }

keys:
  - id: ${issuer.id}
    purpose: what this key is for, in one line    # shown in plans, status and the audit report
    issuer: ${issuer.name}
${issuer.key}
    holders: [team:ops]
    # consumers: the services restarted with the new key, which they receive in their environment
    # consumers:
    #   - name: app
    #     restart: { command: [systemctl, restart, app] }     # systemd, docker, kubernetes, pm2: docs/consumers.md
    #     env: { ${issuer.env} }
    #     health: { url: "http://127.0.0.1:8080/health", timeout: 2s, retries: 10, interval: 500ms }
    tags: [example]
`;
}
