/**
 * Background instances for the demo's long-running helpers (the bot, the sandbox): a pid
 * file under .keyturn/demo/, a log beside it, and a stop that only ever signals a process
 * whose command line is still ours (a pid file can outlive its process and the pid be reused).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_DIR = path.join('.keyturn', 'demo');
const STOP_WAIT_MS = 5000;

export const pidFile = (name: string) => path.join(DEMO_DIR, `${name}.pid`);
export const logFile = (name: string) => path.join(DEMO_DIR, `${name}.log`);

export function log(name: string, message: string): void {
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  fs.appendFileSync(logFile(name), `${new Date().toISOString()} ${name}[${process.pid}] ${message}\n`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // an exited child nobody reaps (a container's init) still answers kill 0: check for a zombie
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** True when pid runs `script` with `--name name` (no /proc, e.g. macOS: trust the pid file). */
function isOurs(pid: number, script: string, name: string): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self');
  }
  const args = cmdline.split('\0');
  const at = args.indexOf('--name');
  return args.some((arg) => arg.endsWith(script)) && at >= 0 && args[at + 1] === name;
}

export function runningPid(name: string, script: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) && isOurs(pid, script, name) ? pid : undefined;
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !alive(pid);
}

/** SIGTERM (then SIGKILL) the instance named `name`; false when none was running. */
export async function stopInstance(name: string, script: string): Promise<boolean> {
  const pid = runningPid(name, script);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    if (!(await exited(pid, STOP_WAIT_MS))) {
      process.kill(pid, 'SIGKILL');
      await exited(pid, STOP_WAIT_MS);
    }
  }
  fs.rmSync(pidFile(name), { force: true });
  return pid !== undefined;
}

/**
 * Start `node scriptPath ...args` detached, with this process's environment (the key travels
 * there, never in args), output appended to the instance's log. Returns the pid.
 */
export function startDetached(name: string, scriptPath: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  // the child must not hold our stdout/stderr: whoever started us waits for them to close
  const out = fs.openSync(logFile(name), 'a');
  const child = spawn(process.execPath, [scriptPath, ...args], { detached: true, stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  child.unref();
  fs.writeFileSync(pidFile(name), `${child.pid}\n`);
  return child.pid;
}

export function durationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
}
