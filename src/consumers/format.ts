/** How commands and URLs are shown in plans, logs and error messages. */

const PLAIN = /^[A-Za-z0-9_\-./:=@,+%]+$/;

/** argv as a line a person can paste into a POSIX shell. */
export function commandLine(argv: string[]): string {
  return argv.map((arg) => (PLAIN.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A URL as it may be shown: the password of a user:password@ part masked. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
