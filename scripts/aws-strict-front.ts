/**
 * A strict front for moto_server: an HTTP proxy the AWS tests and `npm run bench:aws` talk to
 * instead of moto, which refuses what AWS refuses and moto allows. Every rule comes from AWS's
 * API reference (docs/aws.md lists each with its source and what moto does instead):
 *
 * - tags: at most 50 per secret, keys 1..128 and values 0..256 characters
 *   (API_Tag, API_TagResource; "Maximum number of tags per secret: 50");
 * - async delete: after DeleteSecret(ForceDeleteWithoutRecovery) the name stays taken for
 *   `deleteDelayMs` ("Secrets Manager performs the actual deletion with an asynchronous
 *   background process … If you delete a secret and then immediately create a secret with the
 *   same name, use appropriate back off and retry logic": DeleteSecret, ForceDeleteWithoutRecovery);
 * - labelled versions only: DescribeSecret.VersionIdsToStages and ListSecretVersionIds leave out
 *   versions without a staging label unless IncludeDeprecated ("By default, versions without
 *   staging labels aren't included": ListSecretVersionIds);
 * - ClientRequestToken: a version that exists with other content fails with
 *   ResourceExistsException, the same content is ignored, labels untouched ("you can't modify a
 *   secret version": PutSecretValue, ClientRequestToken);
 * - BatchGetSecretValue answers each secret's AWSCURRENT version ("retrieves the contents of the
 *   secrets": AWSCURRENT, as GetSecretValue without a stage); moto answers a stale default version;
 * - IAM propagation: an access key is refused (InvalidClientTokenId) for `iamPropagationMs`
 *   after CreateAccessKey (IAM: "changes … are eventually consistent");
 * - throttling: more than `throttle.perSecond` calls answer ThrottlingException (Secrets
 *   Manager quotas; STS/IAM `Throttling`).
 *
 * moto checks signatures, so requests are forwarded byte for byte; only answers are rewritten.
 * The front looks at moto's state with the admin identity (never through itself). It logs
 * nothing: no request or answer body (they hold secrets) leaves it; `fired` counts each rule.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';

export type StrictRule =
  'tag-count' | 'tag-length' | 'async-delete' | 'unlabelled-versions' | 'request-token' | 'batch-current' | 'iam-propagation' | 'throttle';

export interface StrictFrontOptions {
  /** moto_server's endpoint */
  upstream: string;
  /** how the front reads moto's state (the admin identity, straight to moto) */
  admin: Pick<SecretsManagerClientConfig, 'region' | 'credentials'>;
  /** how long a force-deleted secret's name stays taken (default 1500 ms) */
  deleteDelayMs?: number;
  /** how long a new access key is refused (default 1500 ms) */
  iamPropagationMs?: number;
  /** calls per second before ThrottlingException (default: no throttling) */
  throttle?: { perSecond: number };
}

export interface StrictFront {
  endpoint: string;
  /** how many times each rule refused or rewrote something */
  fired: Record<StrictRule, number>;
  /** change a setting while running (tests) */
  settings: { deleteDelayMs: number; iamPropagationMs: number; throttle?: { perSecond: number } };
  stop(): Promise<void>;
}

export const MAX_TAGS = 50;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/x-amz-json-1.1';

function jsonError(type: string, message: string, status = 400): Answer {
  return { status, headers: { 'content-type': JSON_TYPE, 'x-amzn-errortype': type }, body: JSON.stringify({ __type: type, message }) };
}

function queryError(code: string, message: string, status: number): Answer {
  const body =
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>strict-front</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

async function setAuthWindow(upstream: string, count: number): Promise<void> {
  const res = await fetch(`${upstream}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: String(count),
  });
  if (!res.ok) throw new Error(`moto reset-auth answered ${res.status}`);
}

const sha = (text: string | undefined) =>
  createHash('sha256')
    .update(text ?? '')
    .digest('hex');

export async function startStrictFront(options: StrictFrontOptions): Promise<StrictFront> {
  const target = new URL(options.upstream);
  const admin = new SecretsManagerClient({ ...options.admin, endpoint: options.upstream, maxAttempts: 3 });
  const settings: StrictFront['settings'] = {
    deleteDelayMs: options.deleteDelayMs ?? 1500,
    iamPropagationMs: options.iamPropagationMs ?? 1500,
    throttle: options.throttle,
  };
  const fired: Record<StrictRule, number> = {
    'tag-count': 0,
    'tag-length': 0,
    'async-delete': 0,
    'unlabelled-versions': 0,
    'request-token': 0,
    'batch-current': 0,
    'iam-propagation': 0,
    throttle: 0,
  };
  /** secret name → when its name is free again */
  const deleting = new Map<string, number>();
  /** access key id → when IAM has propagated it */
  const youngKeys = new Map<string, number>();
  /** the calls of the last second, for throttling */
  let window: number[] = [];
  /**
   * The versions of each secret created through the front (token → content hash), by name and
   * ARN: a token it never saw is a new version, with no lookup. Others are looked up in moto.
   */
  const versions = new Map<string, Map<string, string>>();
  /** tag keys by secret id as the front last wrote them (a secret tagged elsewhere is read from moto instead) */
  const tagKeys = new Map<string, Set<string>>();
  /** secrets whose AWSCURRENT UpdateSecretVersionStage moved: moto's default version is stale for them */
  const staleDefault = new Set<string>();

  function remember(secretId: string, input: Record<string, unknown>, answer: Answer, content: string): Answer {
    if (answer.status !== 200) return answer;
    const out = JSON.parse(answer.body) as { ARN?: string; Name?: string };
    const seen = versions.get(secretId);
    if (seen && typeof input.ClientRequestToken === 'string') seen.set(input.ClientRequestToken, content);
    // a put that makes the version AWSCURRENT resets moto's default version too
    const stages = input.VersionStages as string[] | undefined;
    if (!stages || stages.includes('AWSCURRENT')) for (const id of [secretId, out.ARN, out.Name]) if (id) staleDefault.delete(id);
    return answer;
  }

  /** one mutation per secret at a time, so a check and the write it guards are not interleaved */
  const queues = new Map<string, Promise<unknown>>();

  function serialized<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = queues.get(key) ?? Promise.resolve();
    const next = before.then(f, f);
    queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  function forward(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers)) if (typeof v === 'string') headers[k] = v;
            resolve({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** moto's view of a secret, or undefined when it does not exist */
  async function describe(secretId: string) {
    try {
      return await admin.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch {
      return undefined;
    }
  }

  function throttled(): boolean {
    if (!settings.throttle) return false;
    const now = Date.now();
    window = window.filter((t) => t > now - 1000);
    if (window.length >= settings.throttle.perSecond) return true;
    window.push(now);
    return false;
  }

  function tagProblem(tags: { Key?: string; Value?: string }[]): Answer | undefined {
    for (const [i, tag] of tags.entries()) {
      const key = tag.Key ?? '';
      const value = tag.Value ?? '';
      if (key.length < 1 || key.length > MAX_TAG_KEY || value.length > MAX_TAG_VALUE) {
        fired['tag-length'] += 1;
        const what = key.length > MAX_TAG_KEY || key.length < 1 ? 'key' : 'value';
        const limit = what === 'key' ? MAX_TAG_KEY : MAX_TAG_VALUE;
        return jsonError(
          'ValidationException',
          `1 validation error detected: Value at 'tags.${i + 1}.member.${what}' failed to satisfy constraint: ` +
            `Member must have length less than or equal to ${limit}`,
        );
      }
    }
    return undefined;
  }

  function tooManyTags(count: number): Answer {
    fired['tag-count'] += 1;
    return jsonError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags; this request would leave ${count}.`);
  }

  async function secretsManager(op: string, input: Record<string, unknown>, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : '';
    switch (op) {
      case 'CreateSecret': {
        const name = String(input.Name ?? '');
        const until = deleting.get(name);
        if (until !== undefined && until > Date.now()) {
          fired['async-delete'] += 1;
          return jsonError(
            'InvalidRequestException',
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
        }
        const tags = (input.Tags as { Key?: string; Value?: string }[] | undefined) ?? [];
        const problem = tagProblem(tags);
        if (problem) return problem;
        if (new Set(tags.map((t) => t.Key)).size > MAX_TAGS) return tooManyTags(tags.length);
        const answer = await forward(req, body);
        if (answer.status === 200) {
          const out = JSON.parse(answer.body) as { ARN?: string; Name?: string };
          const seen = new Map<string, string>();
          if (typeof input.ClientRequestToken === 'string' && input.SecretString !== undefined)
            seen.set(input.ClientRequestToken, sha(String(input.SecretString)));
          for (const id of [name, out.ARN, out.Name]) if (id) versions.set(id, seen);
          tagKeys.set(name, new Set(tags.flatMap((t) => (t.Key === undefined ? [] : [t.Key]))));
        }
        return answer;
      }
      case 'TagResource': {
        const tags = (input.Tags as { Key?: string; Value?: string }[] | undefined) ?? [];
        const problem = tagProblem(tags);
        if (problem) return problem;
        return serialized(secretId, async () => {
          // the tag keys of a secret whose every tag write went through the front are known; others are read
          let known = tagKeys.get(secretId);
          if (!known) {
            const d = await describe(secretId);
            if (!d) return forward(req, body);
            known = new Set((d.Tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [t.Key])));
          }
          const keys = new Set([...known, ...tags.flatMap((t) => (t.Key === undefined ? [] : [t.Key]))]);
          if (keys.size > MAX_TAGS) return tooManyTags(keys.size);
          const answer = await forward(req, body);
          if (answer.status === 200) tagKeys.set(secretId, keys);
          else tagKeys.delete(secretId);
          return answer;
        });
      }
      case 'UntagResource': {
        return serialized(secretId, async () => {
          const answer = await forward(req, body);
          const known = tagKeys.get(secretId);
          if (answer.status === 200 && known) for (const k of (input.TagKeys as string[] | undefined) ?? []) known.delete(k);
          else tagKeys.delete(secretId);
          return answer;
        });
      }
      case 'PutSecretValue': {
        const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
        if (!token) return forward(req, body);
        return serialized(secretId, async () => {
          const seen = versions.get(secretId);
          const content = sha(typeof input.SecretString === 'string' ? input.SecretString : undefined);
          // a secret whose every version went through the front: a token it never saw is a new version
          if (seen && !seen.has(token)) return remember(secretId, input, await forward(req, body), content);
          let existing: { SecretString?: string; ARN?: string; Name?: string; VersionStages?: string[] } | undefined;
          try {
            existing = await admin.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token }));
          } catch {
            existing = undefined;
          }
          if (!existing) return remember(secretId, input, await forward(req, body), content);
          fired['request-token'] += 1;
          if (sha(existing.SecretString) !== content) {
            return jsonError(
              'ResourceExistsException',
              `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${existing.ARN}.`,
            );
          }
          // the same content: AWS ignores the request (moto would re-attach the labels)
          return {
            status: 200,
            headers: { 'content-type': JSON_TYPE },
            body: JSON.stringify({ ARN: existing.ARN, Name: existing.Name, VersionId: token, VersionStages: existing.VersionStages ?? [] }),
          };
        });
      }
      case 'UpdateSecretVersionStage': {
        const answer = await forward(req, body);
        if (answer.status === 200 && input.VersionStage === 'AWSCURRENT') {
          const out = JSON.parse(answer.body) as { ARN?: string; Name?: string };
          for (const id of [secretId, out.ARN, out.Name]) if (id) staleDefault.add(id);
        }
        return answer;
      }
      case 'DeleteSecret': {
        const answer = await forward(req, body);
        if (answer.status === 200) {
          const out = JSON.parse(answer.body) as { Name?: string; ARN?: string };
          for (const id of [secretId, out.Name, out.ARN]) if (id) versions.delete(id);
          for (const id of [secretId, out.Name, out.ARN]) if (id) tagKeys.delete(id);
          if (input.ForceDeleteWithoutRecovery === true) deleting.set(out.Name ?? secretId, Date.now() + settings.deleteDelayMs);
        }
        return answer;
      }
      case 'DescribeSecret': {
        const answer = await forward(req, body);
        if (answer.status !== 200) return answer;
        const out = JSON.parse(answer.body) as { VersionIdsToStages?: Record<string, string[]> };
        const stages = out.VersionIdsToStages ?? {};
        const unlabelled = Object.keys(stages).filter((id) => (stages[id] ?? []).length === 0);
        if (unlabelled.length === 0) return answer;
        fired['unlabelled-versions'] += 1;
        for (const id of unlabelled) delete stages[id];
        return { ...answer, body: JSON.stringify(out) };
      }
      case 'ListSecretVersionIds': {
        const answer = await forward(req, body);
        if (answer.status !== 200 || input.IncludeDeprecated === true) return answer;
        const out = JSON.parse(answer.body) as { Versions?: { VersionStages?: string[] }[] };
        const kept = (out.Versions ?? []).filter((v) => (v.VersionStages ?? []).length > 0);
        if (kept.length === (out.Versions ?? []).length) return answer;
        fired['unlabelled-versions'] += 1;
        return { ...answer, body: JSON.stringify({ ...out, Versions: kept }) };
      }
      case 'BatchGetSecretValue': {
        // AWS answers each secret's AWSCURRENT; moto answers its "default" version, which stays the
        // old one after UpdateSecretVersionStage moved AWSCURRENT (docs/aws.md). Served right here.
        const answer = await forward(req, body);
        if (answer.status !== 200) return answer;
        const out = JSON.parse(answer.body) as { SecretValues?: Record<string, unknown>[] };
        let fixed = false;
        for (const entry of out.SecretValues ?? []) {
          // moto's default version is right unless AWSCURRENT was moved by UpdateSecretVersionStage since the last put
          if (!staleDefault.has(String(entry.ARN)) && !staleDefault.has(String(entry.Name))) continue;
          const current = await admin.send(new GetSecretValueCommand({ SecretId: String(entry.ARN), VersionStage: 'AWSCURRENT' }));
          if (current.VersionId === entry.VersionId) continue;
          fixed = true;
          Object.assign(entry, {
            VersionId: current.VersionId,
            SecretString: current.SecretString,
            VersionStages: current.VersionStages,
            CreatedDate: current.CreatedDate ? current.CreatedDate.getTime() / 1000 : entry.CreatedDate,
          });
        }
        if (!fixed) return answer;
        fired['batch-current'] += 1;
        return { ...answer, body: JSON.stringify(out) };
      }
      default:
        return forward(req, body);
    }
  }

  async function handle(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const isJson = targetHeader.includes('.');
    const form = isJson ? undefined : new URLSearchParams(body.toString('utf8'));
    const action = isJson ? targetHeader.slice(targetHeader.indexOf('.') + 1) : (form?.get('Action') ?? '');
    if (req.url?.startsWith('/moto-api')) return forward(req, body);

    if (throttled()) {
      fired.throttle += 1;
      return isJson ? jsonError('ThrottlingException', 'Rate exceeded') : queryError('Throttling', 'Rate exceeded', 400);
    }
    const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    const ready = keyId ? youngKeys.get(keyId) : undefined;
    if (ready !== undefined) {
      if (ready > Date.now()) {
        fired['iam-propagation'] += 1;
        const message = 'The security token included in the request is invalid.';
        return isJson ? jsonError('UnrecognizedClientException', message) : queryError('InvalidClientTokenId', message, 403);
      }
      youngKeys.delete(keyId!);
    }
    if (isJson && targetHeader.startsWith('secretsmanager.')) {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return forward(req, body);
      }
      return secretsManager(action, input, req, body);
    }
    if (action === 'AssumeRoleWithWebIdentity' && !req.headers.authorization) {
      // AWS takes this call unsigned (the web identity token is the proof); moto with its auth on
      // refuses every unsigned call, so it gets a window of exactly one unauthenticated call
      return serialized('moto-auth-window', async () => {
        await setAuthWindow(options.upstream, 1);
        return forward(req, body);
      });
    }
    const answer = await forward(req, body);
    if (action === 'CreateAccessKey' && answer.status === 200) {
      const made = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer.body)?.[1];
      if (made) youngKeys.set(made, Date.now() + settings.iamPropagationMs);
    }
    return answer;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then(
        (answer) => {
          const headers = { ...answer.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(answer.status, { ...headers, 'content-length': String(Buffer.byteLength(answer.body)) });
          res.end(answer.body);
        },
        () => {
          // never echo the request: it may hold a secret
          res.writeHead(502, { 'content-type': JSON_TYPE });
          res.end(JSON.stringify({ __type: 'InternalServiceError', message: 'strict front: upstream failed' }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    fired,
    settings,
    stop: async () => {
      admin.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
