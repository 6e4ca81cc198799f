/**
 * keyturn apply PLAN: run the rotations a saved plan lists. The file is untrusted: the plan
 * is recomputed from rotation.yaml and the store, and refused when rotation.yaml or the
 * store changed since, or when any key, trigger, policy verdict or step differs from what
 * the recomputation says. What runs is the recomputed plan, never the file's.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errors, type ExitCodeValue } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import { narrowTo, parseSavedPlan, planDifferences, type SavedPlan } from '../../plan/saved-plan.js';
import { executePlan } from '../execute.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

/** A plan file is a few KB per key; anything far larger is not one of ours. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

export async function run(
  argv: GlobalOptions & { planFile: string; yes?: boolean; concurrency?: number; force?: boolean },
): Promise<ExitCodeValue> {
  const saved = await readPlan(argv.planFile);
  return withSession(argv, async (session) => {
    const { config, res } = session;
    if (saved.configHash !== config.hash) throw errors.stalePlan(`${config.file} changed since the plan was made`);
    const keys = saved.keys.map((k) => k.key);
    // one read of the store serves the recomputation and the fingerprint of the saved plan's keys
    const fresh = await buildPlan(config, res, { selection: saved.selection, fingerprintKeys: keys });
    const differences = planDifferences(saved, fresh);
    if (differences.length) {
      throw errors.stalePlan(`it does not match what rotation.yaml and the store say now:\n  ${differences.join('\n  ')}`);
    }
    if (fresh.storeFingerprint !== saved.storeFingerprint) {
      throw errors.stalePlan('the store changed since the plan was made (a key was rotated or a rotation is in flight)');
    }
    const plan = narrowTo(fresh, saved);
    return executePlan(session, plan, {
      yes: argv.yes,
      concurrency: argv.concurrency,
      force: argv.force,
      question: `Apply the saved plan ${path.basename(saved.file)}: rotate ${plan.keys.length} key(s)?`,
    });
  });
}

async function readPlan(file: string): Promise<SavedPlan> {
  const where = path.resolve(file);
  // A FIFO or device would block the read for ever; a plan is always a regular file.
  const info = await stat(where).catch(() => undefined);
  if (!info) throw errors.usage(`cannot read the plan file ${file}`);
  if (!info.isFile()) throw errors.usage(`the plan file ${file} is not a regular file`);
  if (info.size > MAX_PLAN_BYTES) throw errors.usage(`${file} is too large to be a keyturn plan`);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch {
    throw errors.usage(`cannot read the plan file ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.usage(`${file} is not JSON`, 'make one with: keyturn plan --out FILE');
  }
  return parseSavedPlan(file, value);
}
