/**
 * `command`: any provider, through the operator's scripts. The env contract is in
 * script-env.ts, the stdout contract in script-output.ts, and both are in docs/issuers.md.
 *
 * options: create, revoke (required); verify, list, isDead (optional); timeout; fields (the
 *   material fields create prints: validate checks env mappings against them).
 * A create script should name the remote key after KEYTURN_ROTATION_ID: that name is how a
 * later run finds the orphan of a run that crashed between create and stage.
 */
import { settingsOf } from '../adapters/settings.js';
import type { IssuerConfig } from '../config/types.js';
import { RESTRICTIONS_ENV, SPEC_ENV } from '../env-names.js';
import { commandKind } from './command-spec.js';
import { baseEnv, secretEnv } from './script-env.js';
import { parseCreateOutput } from './script-output.js';
import { holdLogs, listByScript, maskTokensOf, runScript, scriptFailure, type ScriptRun } from './script.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget } from './types.js';

export function createCommandIssuer(config: IssuerConfig): Issuer {
  const { create, revoke, verify, list, isDead, timeoutMs, fields: declared } = settingsOf(commandKind, config, 'issuer');

  const script = (step: string, argv: string[], env: Record<string, string>, secretOutput = false): ScriptRun => ({
    issuer: config,
    step,
    argv,
    env,
    timeoutMs,
    secretOutput,
  });

  const issuer: Issuer = {
    type: 'command',
    createsRemotely: true,

    describe({ key }: IssueTarget): string {
      return `run the create script for ${key.id} (${create.join(' ')})`;
    },

    async create({ key }: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const run = script(
        'create',
        create,
        {
          ...baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId }),
          [SPEC_ENV]: JSON.stringify(key.spec ?? {}),
          [RESTRICTIONS_ENV]: JSON.stringify(key.restrictions ?? { permissions: [] }),
        },
        true,
      );
      const held = holdLogs(ctx);
      let released = false;
      try {
        const result = await runScript(run, held.ctx);
        const parsed = parseCreateOutput(result.stdout);
        // before anything can log or throw: whatever the script printed as a secret is one
        ctx.redactor.add(...parsed.secrets);
        const mask = parsed.issued ? undefined : maskTokensOf(result.stdout);
        held.release(mask);
        released = true;
        if (result.exitCode !== 0) throw scriptFailure('issuer', run, result, ctx.redactor, undefined, mask ?? maskTokensOf(result.stdout));
        if (!parsed.issued) throw scriptFailure('issuer', run, result, ctx.redactor, parsed.problem, mask);
        // validate checked the env mappings against `fields`: the script must keep that promise
        const missing = (declared ?? []).filter((field) => !Object.hasOwn(parsed.issued!.material, field));
        if (missing.length > 0) {
          const why = `printed no ${missing.map((f) => `\`${f}\``).join(', ')} (declared in \`fields\`)`;
          throw scriptFailure('issuer', run, result, ctx.redactor, why);
        }
        ctx.logger.debug(`issuer ${config.name} created ${parsed.issued.keyId} for ${key.id}`, {
          fields: Object.keys(parsed.issued.material),
        });
        return parsed.issued;
      } finally {
        // an unexpected throw (spawn failure) must not swallow the held lines, nor print them unmasked
        if (!released) held.discard('the create failed before its output could be read');
      }
    },

    async verify(issued: IssuedKey, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      ctx.redactor.addMaterial(issued.material);
      if (!verify) {
        ctx.logger.debug(`issuer ${config.name} has no verify script; ${issued.keyId} of ${key.id} is not checked by the issuer`);
        return;
      }
      const run = script('verify', verify, {
        ...baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId: issued.keyId }),
        ...secretEnv(issued.material),
      });
      const result = await runScript(run, ctx);
      if (result.exitCode !== 0) throw scriptFailure('verify', run, result, ctx.redactor);
    },

    async revoke(keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      const run = script('revoke', revoke, baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId }));
      const result = await runScript(run, ctx);
      if (result.exitCode !== 0) throw scriptFailure('issuer', run, result, ctx.redactor);
    },
  };

  if (isDead) {
    issuer.isDead = async (keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<boolean> => {
      const run = script('isDead', isDead, baseEnv({ key: key.id, issuer: config.name, rotationId: ctx.rotationId, keyId }));
      const result = await runScript(run, ctx);
      if (result.exitCode === 0) return true;
      if (result.exitCode === 1 && !result.timedOut) return false;
      throw scriptFailure(
        'issuer',
        run,
        result,
        ctx.redactor,
        `could not tell whether ${keyId} is dead ` +
          `(exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}; expected 0 = dead, 1 = alive)`,
      );
    };
  }

  if (list) issuer.list = listByScript(config, list, timeoutMs);

  return issuer;
}

export const factory: IssuerFactory = { type: 'command', create: createCommandIssuer };
