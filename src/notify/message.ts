/** A notification and its Slack-compatible JSON form (also accepted by Mattermost, Rocket.Chat, Teams workflows). */

export interface NotifyMessage {
  title: string;
  lines: string[];
}

export interface SlackPayload {
  text: string;
  blocks?: SlackBlock[];
}

type SlackBlock =
  { type: 'header'; text: { type: 'plain_text'; text: string } } | { type: 'section'; text: { type: 'mrkdwn'; text: string } };

// Slack rejects the whole message when a block is over its limit, so cut instead.
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3000;

export function slackPayload(message: NotifyMessage): SlackPayload {
  const body = message.lines.join('\n');
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: cut(message.title, HEADER_LIMIT) } }];
  if (body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(body, SECTION_LIMIT) } });
  // text is what notifications and clients without blocks show
  return { text: body ? `${message.title}\n${body}` : message.title, blocks };
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
