/**
 * keyturn apply PLAN: run exactly the rotations a saved plan lists. A plan is refused when
 * rotation.yaml or the store state of its keys changed since it was made.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errors, type ExitCodeValue } from '../../errors.js';
import { readStates, storeFingerprint } from '../../plan/build.js';
import type { Plan } from '../../plan/model.js';
import { executePlan } from '../execute.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

export async function run(argv: GlobalOptions & { planFile: string; yes?: boolean; concurrency?: number }): Promise<ExitCodeValue> {
  const plan = await readPlan(argv.planFile);
  return withSession(argv, async (session) => {
    const { config, res } = session;
    if (plan.configHash !== config.hash) throw errors.stalePlan(`${config.file} changed since the plan was made`);
    const unknown = plan.keys.find((k) => !config.keys.some((c) => c.id === k.key));
    if (unknown) throw errors.stalePlan(`key ${unknown.key} is no longer in ${config.file}`);
    const states = await readStates(config, res);
    if (storeFingerprint(plan.keys.map((k) => k.key), states) !== plan.storeFingerprint) {
      throw errors.stalePlan('the store changed since the plan was made (a key was rotated or a rotation is in flight)');
    }
    return executePlan(session, plan, {
      yes: argv.yes,
      concurrency: argv.concurrency,
      question: `Apply the plan of ${plan.createdAt}: rotate ${plan.keys.length} key(s)?`,
    });
  });
}

async function readPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch {
    throw errors.usage(`cannot read the plan file ${file}`);
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch {
    throw errors.usage(`${file} is not JSON`, 'make one with: keyturn plan --out FILE');
  }
  if (plan?.format !== 'keyturn-plan/1' || !Array.isArray(plan.keys)) throw errors.usage(`${file} is not a keyturn plan`, 'make one with: keyturn plan --out FILE');
  return plan;
}
