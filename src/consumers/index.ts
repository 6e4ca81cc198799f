/** Consumers: restart them on a delivered key, wait for health, run custom checks, describe for plans. */
export type { Delivery } from './delivery.js';
export { KEY_ID_ENV, ROTATION_ID_ENV, SECRET_ENV_NAMES_ENV } from '../env-names.js';
export { restartConsumer } from './restart.js';
export { runChecks } from './checks.js';
export { describeConsumer } from './describe.js';
