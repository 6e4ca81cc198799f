import { expect } from 'chai';
import { isSecretFieldName } from '../../src/config/secrets.js';

describe('secret field names', () => {
  it('recognises secret names in any case and style', () => {
    for (const name of [
      'secret',
      'apiSecret',
      'api_secret',
      'SECRET_KEY',
      'secretKey',
      'password',
      'dbPassword',
      'passwd',
      'passphrase',
      'token',
      'authToken',
      'x-token',
      'credential',
      'credentials',
      'privateKey',
      'private-key',
      'apiKey',
      'masterKey',
      'secretAccessKey',
      'clientSecret',
      'pwd',
    ]) {
      expect(isSecretFieldName(name), name).to.equal(true);
    }
  });

  it('leaves names that refer to a secret, or describe one, alone', () => {
    for (const name of [
      'masterKeyFile',
      'tokenUrl',
      'secretName',
      'secretId',
      'secretArn',
      'passwordLength',
      'tokenEnv',
      'privateKeyPath',
      'secretPattern',
      'apiKeyPattern',
      'path',
      'length',
      'alphabet',
      'register',
      'keys',
      'type',
      'account',
      'subAccount',
    ]) {
      expect(isSecretFieldName(name), name).to.equal(false);
    }
  });
});
