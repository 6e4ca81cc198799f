export { notify, webhookName, type NotifyOptions } from './webhook.js';
export type { NotifyMessage, SlackPayload } from './message.js';
