/**
 * `manual`: an operator creates and deletes the key in a web UI, keyturn tells them exactly
 * what to click and takes the result at a prompt. Made for Binance main-account keys, which
 * have no management API. Every step that asks the operator something is resumable: what
 * was confirmed is written to ctx.notes (never a secret) so a resumed run does not ask again.
 *
 * options: instructions (extra text shown after keyturn's own steps); exchange: binance (+ baseUrl,
 *   sourceAddress, recvWindow) to verify the entered key with Binance's own apiRestrictions
 *   instead of asking the operator (manual-exchange.ts, binance/manual-check.ts).
 * spec: apiKeyPattern, secretPattern (regexes the whole value must match).
 */
import { settingsOf } from '../adapters/settings.js';
import type { IssuerConfig, KeyConfig } from '../config/types.js';
import type { Prompt } from '../context.js';
import { errors } from '../errors.js';
import { binanceSettings, ipAccessLines, restrictionLines } from './binance/wording.js';
import { exchangeCheck } from './manual-exchange.js';
import { manualKind, parseManualSpec } from './manual-spec.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget } from './types.js';

/** How often a malformed answer is asked again before the create gives up. */
export const MAX_ATTEMPTS = 3;
/** An API key shorter than this would be shown almost whole by its keyId. */
export const MIN_API_KEY_LENGTH = 16;

export const NOTES = {
  instructionsShown: 'instructionsShown',
  enteredKeyId: 'enteredKeyId',
  restrictionsConfirmed: (keyId: string) => `restrictionsConfirmed:${keyId}`,
  deleteConfirmed: (keyId: string) => `deleteConfirmed:${keyId}`,
};

/** `manual:` + first 8 + `…` + last 4 characters: enough for an operator to find the key in the UI. */
export function manualKeyId(apiKey: string): string {
  return `manual:${apiKey.slice(0, 8)}…${apiKey.slice(-4)}`;
}

/** The label suggested for the new key: it carries the rotation id, so an orphan can be recognised. */
export function manualLabel(key: KeyConfig, rotationId: string): string {
  return `${key.id}-${rotationId}`;
}

/** Why a value entered for `what` is malformed, without quoting it; undefined when fine. */
export function shapeProblem(what: 'API Key' | 'Secret Key', value: string, pattern: RegExp | undefined): string | undefined {
  if (value === '') return `the ${what} is empty`;
  if (/\s/.test(value)) return `the ${what} contains whitespace (copy it again, without spaces or line breaks)`;
  if (what === 'API Key' && value.length < MIN_API_KEY_LENGTH) return `the ${what} is shorter than ${MIN_API_KEY_LENGTH} characters`;
  if (pattern && !pattern.test(value)) return `the ${what} does not have the expected form (spec pattern)`;
  return undefined;
}

export function createManualIssuer(config: IssuerConfig): Issuer {
  const options = settingsOf(manualKind, config, 'issuer');
  const extra = options.instructions;
  const exchange = exchangeCheck(options.exchange);

  /** The restrictions to set, as indented lines; `step` numbers the IP line when part of the instructions. */
  const settingsText = (target: IssueTarget, step = ''): { lines: string[]; warnings: string[] } => {
    const settings = binanceSettings(target.key.restrictions);
    const [ipSentence = '', ...ips] = ipAccessLines(settings);
    return {
      lines: [...restrictionLines(settings).map((line) => `       ${line}`), `  ${step}${ipSentence}`, ...ips.map((ip) => `       ${ip}`)],
      warnings: settings.warnings.map((warning) => `  WARNING: ${warning}`),
    };
  };

  const instructions = (target: IssueTarget, label: string): string => {
    const { key } = target;
    const where = key.restrictions?.account === 'sub' ? "the sub-account's API Management" : 'Account → API Management';
    const settings = settingsText(target, '5. ');
    return [
      `Create a Binance API key by hand for ${key.id} (${key.purpose}):`,
      `  1. Log in to Binance on the web, open ${where}, click "Create API" and choose "System generated".`,
      `  2. Label: ${label}`,
      '  3. Pass the security verification. Copy the API Key and the Secret Key: the Secret Key is shown only once.',
      '  4. Click "Edit restrictions" next to the new key and set exactly:',
      ...settings.lines,
      '  6. Save.',
      ...settings.warnings,
      ...(extra ? ['', extra.trimEnd()] : []),
    ].join('\n');
  };

  const ask = async (prompt: Prompt, what: 'API Key' | 'Secret Key', pattern: RegExp | undefined, ctx: IssuerContext): Promise<string> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const raw = what === 'Secret Key' ? await prompt.secret(`${what}: `) : await prompt.text(`${what}: `);
      const value = raw.trim();
      ctx.redactor.add(raw, value);
      const problem = shapeProblem(what, value, pattern);
      if (!problem) return value;
      prompt.say(`${problem}.${attempt < MAX_ATTEMPTS ? ' Try again.' : ''}`);
    }
    throw errors.issuer(
      `issuer ${config.name}: no well-formed ${what} after ${MAX_ATTEMPTS} attempts`,
      'copy the value from the Binance page again',
    );
  };

  return {
    type: 'manual',
    // the key is made at the exchange; only the operator can find an orphan (by its label)
    createsRemotely: true,

    describe(target: IssueTarget): string {
      const settings = binanceSettings(target.key.restrictions);
      const ips = settings.trustedIps.length > 0 ? `trusted IPs ${settings.trustedIps.join(', ')}` : 'no IP whitelist';
      return `an operator creates a Binance API key in the web UI with ${settings.turnOn.join(', ')}; ${ips}`;
    },

    async create(target: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const { prompt } = ctx;
      if (!prompt.interactive) throw errors.noTty(`the manual issuer (${config.name}, key ${target.key.id})`, 'operator');
      const patterns = parseManualSpec(target.key);
      const label = manualLabel(target.key, ctx.rotationId);

      if (ctx.notes[NOTES.instructionsShown]) {
        const lost = ctx.notes[NOTES.enteredKeyId];
        prompt.say(
          lost
            ? `This rotation stopped after key ${lost} was entered, before it was stored. Delete that key in Binance, ` +
                'unless you still have its Secret Key: then enter it again below.'
            : `This rotation stopped while waiting for the key labelled ${label}. If you already created it, enter it below; ` +
                'if you no longer have its Secret Key, delete it in Binance and create it again as follows.',
        );
      }
      prompt.say(instructions(target, label));
      if (!ctx.notes[NOTES.instructionsShown]) {
        ctx.notes[NOTES.instructionsShown] = ctx.clock.now().toISOString();
        await ctx.saveNotes();
      }

      const apiKey = await ask(prompt, 'API Key', patterns.apiKey, ctx);
      let secret = await ask(prompt, 'Secret Key', patterns.secret, ctx);
      if (secret === apiKey) {
        prompt.say('That is the API Key again; the Secret Key is the other value.');
        secret = await ask(prompt, 'Secret Key', patterns.secret, ctx);
        if (secret === apiKey) throw errors.issuer(`issuer ${config.name}: the Secret Key entered is the API Key`);
      }
      const keyId = manualKeyId(apiKey);
      ctx.notes[NOTES.enteredKeyId] = keyId;
      await ctx.saveNotes();
      ctx.logger.info(`issuer ${config.name}: operator entered ${keyId} for ${target.key.id}`, { label });
      return { keyId, material: { apiKey, secret }, meta: { label } };
    },

    async verify(issued: IssuedKey, target: IssueTarget, ctx: IssuerContext): Promise<void> {
      const { key } = target;
      const { apiKey, secret } = issued.material;
      if (typeof apiKey !== 'string' || typeof secret !== 'string') {
        throw errors.verify(`key ${key.id} (${issued.keyId}): material needs \`apiKey\` and \`secret\``);
      }
      ctx.redactor.add(apiKey, secret);
      const patterns = parseManualSpec(key);
      const problem = shapeProblem('API Key', apiKey, patterns.apiKey) ?? shapeProblem('Secret Key', secret, patterns.secret);
      if (problem) throw errors.verify(`key ${key.id} (${issued.keyId}): ${problem}`);

      if (exchange) {
        // the exchange answers for the key itself: no operator's word needed (or enough)
        await exchange.verify({ apiKey, secret }, key.restrictions, `key ${key.id} (${issued.keyId})`, ctx);
        ctx.logger.info(`issuer ${config.name}: ${exchange.title} confirms the restrictions of ${issued.keyId} (${key.id})`);
        return;
      }
      const note = NOTES.restrictionsConfirmed(issued.keyId);
      if (ctx.notes[note]) return;
      if (!ctx.prompt.interactive) throw errors.noTty(`confirming the restrictions of ${issued.keyId} (${key.id})`, 'operator');
      const settings = settingsText(target);
      ctx.prompt.say(
        [
          `Check the restrictions of ${issued.keyId} (${key.id}) in Binance → API Management:`,
          ...settings.lines,
          ...settings.warnings,
        ].join('\n'),
      );
      if (!(await ctx.prompt.confirm(`Are these restrictions set on ${issued.keyId}?`))) {
        throw errors.verify(
          `key ${key.id} (${issued.keyId}): the operator did not confirm the restrictions`,
          'fix them in Binance → Edit restrictions, then resume',
        );
      }
      ctx.notes[note] = ctx.clock.now().toISOString();
      await ctx.saveNotes();
    },

    async revoke(keyId: string, { key }: IssueTarget, ctx: IssuerContext): Promise<void> {
      const note = NOTES.deleteConfirmed(keyId);
      if (ctx.notes[note]) {
        ctx.logger.debug(`issuer ${config.name}: deletion of ${keyId} was confirmed earlier`);
        return;
      }
      if (!ctx.prompt.interactive) throw errors.noTty(`deleting ${keyId} (${key.id}) by hand`, 'operator');
      const match = /^manual:(.{8})…(.{4})$/u.exec(keyId);
      const which = match ? `the key whose API Key starts with ${match[1]} and ends with ${match[2]}` : `the key ${keyId}`;
      ctx.prompt.say(
        [
          `Delete the Binance API key ${keyId} of ${key.id}:`,
          `  open Account → API Management, find ${which}, click "Delete" and pass the verification.`,
          '  If it is already gone, that is fine: answer yes.',
        ].join('\n'),
      );
      if (!(await ctx.prompt.confirm(`Is ${keyId} deleted?`))) {
        throw errors.issuer(
          `key ${key.id}: operator did not confirm deletion of ${keyId}`,
          'delete it in Binance → API Management, then resume',
        );
      }
      ctx.notes[note] = ctx.clock.now().toISOString();
      await ctx.saveNotes();
      ctx.logger.info(`issuer ${config.name}: operator confirmed deletion of ${keyId} (${key.id})`);
    },
  };
}

export const factory: IssuerFactory = { type: 'manual', create: createManualIssuer };
