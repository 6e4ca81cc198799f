/**
 * identify(), what `keyturn adopt` asks an issuer about a credential keyturn did not create:
 * its key id as the issuer names keys and its creation date. Binance against the exchange
 * sandbox (apiRestrictions read with the key itself answers createTime), IAM against
 * moto_server behind the strict front (ListAccessKeys' CreateDate), both through the
 * registry's wrapper; and the wrapper's check of what an identify() returns.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { expect } from 'chai';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { adapterOf } from '../../src/adapters/guard.js';
import { wrapIssuer } from '../../src/adapters/wrap-issuer.js';
import { createAwsIamIssuer } from '../../src/issuers/aws-iam/index.js';
import { loadIssuer } from '../../src/issuers/registry.js';
import type { Issuer, IssueTarget } from '../../src/issuers/types.js';
import { admin, createSubKey, sandboxWithAccounts, signed, SUB, type WireKey } from '../binance/wire.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from './support.js';

describe('issuers: identify() for keyturn adopt (key id and creation date)', function () {
  this.timeout(60_000);

  describe('binance, against the exchange sandbox', () => {
    let sandbox: Sandbox;
    let url: string;
    let management: WireKey;
    let issuer: Issuer;
    let target: IssueTarget;

    before(async () => {
      ({ sandbox, url, management } = await sandboxWithAccounts());
      const config = issuerConfig('binance', { baseUrl: url, managementKey: { store: 'local', path: 'exchange/management' } }, 'exchange');
      issuer = await loadIssuer(config);
      target = { key: keyConfig({ id: 'grid-bot', issuer: 'exchange', spec: { email: SUB } }), issuer: config };
    });
    after(async () => {
      await sandbox.close();
    });

    it("answers the key's id (as create names keys) and the exchange's createTime, read with the key itself", async () => {
      const made = await createSubKey(
        url,
        management,
        `email=${encodeURIComponent(SUB)}&apiName=made-by-hand&status=2&ipAddress=127.0.0.1`,
      );
      const apiKey = String(made.body.apiKey);
      const secret = String(made.body.secretKey);
      const listed = (
        (await admin(url, 'GET', `/__sandbox/keys?account=${encodeURIComponent(SUB)}`)) as Array<Record<string, unknown>>
      ).find((k) => k.apiKey === apiKey)!;
      const restrictions = await signed(url, 'GET', '/sapi/v1/account/apiRestrictions', { apiKey, secret });
      expect(restrictions.body.createTime, 'the sandbox serves createTime as Binance documents it').to.equal(listed.createTime);

      const { ctx } = makeContext();
      const known = await issuer.identify!({ keyId: 'vault-v1', material: { apiKey, secret } }, target, ctx);
      expect(known).to.deep.equal({
        keyId: `bn:${apiKey.slice(0, 8)}…${apiKey.slice(-4)}`,
        createdAt: new Date(listed.createTime as number).toISOString(),
      });
    });

    it('refuses a key the exchange no longer knows, naming the issuer; never the secret', async () => {
      const made = await createSubKey(url, management, `email=${encodeURIComponent(SUB)}&apiName=gone&status=1`);
      const apiKey = String(made.body.apiKey);
      const secret = String(made.body.secretKey);
      await signed(
        url,
        'DELETE',
        '/sapi/v1/sub-account/subAccountApi',
        management,
        `email=${encodeURIComponent(SUB)}&subAccountApiKey=${apiKey}`,
      );
      const { ctx } = makeContext();
      const error = await rejectionOf(issuer.identify!({ keyId: 'x', material: { apiKey, secret } }, target, ctx));
      expect(error.message).to.match(/apiRestrictions refused: .*-2015/);
      expect(adapterOf(error)).to.equal('issuer exchange');
      expect(error.message).to.not.include(secret);
      const noKey = await rejectionOf(issuer.identify!({ keyId: 'x', material: { secret } }, target, ctx));
      expect(noKey.message).to.include('the stored credential has no apiKey field');
    });
  });

  describe('aws-iam, against moto_server behind the strict front', () => {
    let moto: StrictMoto;
    let iam: IAMClient;
    const saved = { ...process.env };
    before(async () => {
      moto = await startStrictMoto();
      iam = new IAMClient(adminClientConfig(moto));
      // the issuer takes its credentials from the standard chain, as keyturn does in production
      Object.assign(process.env, moto.env);
    });
    after(async () => {
      for (const name of Object.keys(moto?.env ?? {})) if (saved[name] === undefined) delete process.env[name];
      Object.assign(process.env, saved);
      iam?.destroy();
      await moto?.stop();
    });

    it("answers the access key id and ListAccessKeys' CreateDate; a key of another user is refused", async () => {
      await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
      await iam.send(new CreateUserCommand({ UserName: 'someone-else' }));
      const made = (await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))).AccessKey!;
      const other = (await iam.send(new CreateAccessKeyCommand({ UserName: 'someone-else' }))).AccessKey!;
      const listed = (await iam.send(new ListAccessKeysCommand({ UserName: 'deployer' }))).AccessKeyMetadata![0]!;
      const config = issuerConfig('aws-iam', { region: moto.region, endpoint: moto.endpoint }, 'iam');
      const issuer = wrapIssuer('iam', createAwsIamIssuer(config, moto.env));
      const target = { key: keyConfig({ id: 'deploys', issuer: 'iam', spec: { user: 'deployer' } }), issuer: config };
      const { ctx } = makeContext();
      const material = { accessKeyId: made.AccessKeyId!, secretAccessKey: made.SecretAccessKey! };
      expect(await issuer.identify!({ keyId: '', material }, target, ctx)).to.deep.equal({
        keyId: made.AccessKeyId,
        createdAt: listed.CreateDate!.toISOString(),
      });
      const foreign = { accessKeyId: other.AccessKeyId!, secretAccessKey: other.SecretAccessKey! };
      const error = await rejectionOf(issuer.identify!({ keyId: '', material: foreign }, target, ctx));
      expect(error.message).to.include(`access key ${other.AccessKeyId} in the store is not a key of IAM user deployer`);
    });
  });

  describe('the wrapper', () => {
    const target: IssueTarget = { key: keyConfig({ id: 'k' }), issuer: issuerConfig('random') };
    const stub = (answer: unknown): Issuer => ({
      type: 'stub',
      createsRemotely: false,
      describe: () => 'stub',
      create: async () => ({ keyId: 'k1', material: { value: 'v' } }),
      verify: async () => undefined,
      revoke: async () => undefined,
      identify: async () => answer as never,
    });

    it('passes a good answer through and refuses a malformed one with EISSUER, naming the adapter', async () => {
      const { ctx } = makeContext();
      const stored = { keyId: 'k0', material: { value: 'v' } };
      expect(await wrapIssuer('s', stub({ keyId: 'k0' })).identify!(stored, target, ctx)).to.deep.equal({ keyId: 'k0' });
      for (const [answer, problem] of [
        [{ keyId: '' }, 'keyId is not a non-empty string'],
        [{ keyId: 'k0', createdAt: 'last spring' }, 'createdAt is not a date'],
        [undefined, 'not an object'],
      ] as const) {
        const error = await rejectionOf(wrapIssuer('s', stub(answer)).identify!(stored, target, ctx));
        expect(error.code).to.equal('EISSUER');
        expect(error.message).to.equal(`issuer s could not identify k's credential: ${problem}`);
      }
    });

    it('leaves identify absent when the issuer has none (adopt then needs --rotated-at)', async () => {
      expect((await loadIssuer(issuerConfig('random'))).identify).to.equal(undefined);
      expect((await loadIssuer(issuerConfig('postgres', { host: '127.0.0.1', admin: { store: 'l', path: 'p' } }))).identify).to.equal(
        undefined,
      );
    });
  });
});
