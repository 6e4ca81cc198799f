/**
 * Text from rotation.yaml, a store, an issuer or a consumer's output may carry terminal
 * control characters: ESC starts the sequences that clear the screen, move the cursor or
 * set the window title (CSI, OSC, …), C1 controls (U+0080–U+009F) do the same on some
 * terminals, and bidirectional overrides reorder what is shown. Everything keyturn prints
 * for people passes through here after redaction (escaping first would hide a secret from
 * the redactor), and each such character is shown escaped, `\x1b`: all of the text is still
 * there to read, and the terminal acts on none of it.
 */

// C0 but tab and newline, DEL, C1, and the invisible bidi controls (ALM, LRM, RLM, LRE…RLO, LRI…PDI).
/* eslint-disable no-control-regex -- matching control characters is this module's job */
const CONTROLS_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Non-global twins for the common case, text with nothing to escape: test() is 2-3x cheaper than a replace that
// finds nothing, which counts in a plan of 10,000 keys (150,000 values).
const ANY_BUT_LAYOUT = new RegExp(CONTROLS_BUT_LAYOUT.source);
const ANY = new RegExp(CONTROLS.source);
// What JSON.stringify leaves raw: it escapes only U+0000–U+001F.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Lines of text: newlines and tabs stay, every other control character is shown escaped. */
export function terminalText(text: string): string {
  return ANY_BUT_LAYOUT.test(text) ? text.replace(CONTROLS_BUT_LAYOUT, visible) : text;
}

/** One value inside a line (a table cell, a field): newlines escaped too, so it cannot forge a line of its own. */
export function terminalValue(text: string): string {
  return ANY.test(text) ? text.replace(CONTROLS, visible) : text;
}

/** JSON text with the characters JSON.stringify leaves raw written as \u escapes: the same JSON, safe to print. */
export function terminalJson(json: string): string {
  return json.replace(RAW_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
