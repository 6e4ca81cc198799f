/**
 * One error class for every failure keyturn expects, with a stable `code` and an exit
 * code. Only src/cli/main.ts turns these into process exit codes; everything else throws.
 * Messages must never contain secret values: callers pass key ids, paths and names only.
 */
export const ExitCode = {
  ok: 0,
  /**
   * failed: a rotation failed and was rolled back cleanly, or stopped before it changed
   * anything; an audit found an error-level finding; an unexpected error
   */
  failed: 1,
  /** bad configuration or usage */
  usage: 2,
  /** a rollback or undo could not complete: a human must look */
  needsAttention: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** file:line:column of the problem, when it comes from a file */
  where?: string;
  /** a hint the operator can act on */
  hint?: string;
  [extra: string]: unknown;
}

export class KeyturnError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    message: string,
    exitCode: ExitCodeValue = ExitCode.failed,
    details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeyturnError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

export function isKeyturnError(error: unknown): error is KeyturnError {
  return error instanceof KeyturnError;
}

/**
 * Why a question could not be put: a confirmation can be skipped with --yes, an answer or a
 * manual issuer's operator cannot, so each says what would help.
 */
const NO_TTY = {
  confirmation: { problem: 'needs confirmation and there is no terminal', hint: 'pass --yes to run without a prompt' },
  answer: { problem: 'needs an answer and there is no terminal', hint: 'run keyturn from an interactive terminal' },
  operator: {
    problem: 'needs an operator at a terminal and there is none',
    hint: 'run this rotation from an interactive terminal: a key created by hand cannot be confirmed with --yes',
  },
} as const;
export type NoTtyNeed = keyof typeof NO_TTY;

/** Catalogue of expected errors: a code becomes a message an operator can act on. */
export const errors = {
  usage: (message: string, hint?: string) => new KeyturnError('EUSAGE', message, ExitCode.usage, { hint }),
  config: (message: string, where?: string, hint?: string) => new KeyturnError('ECONFIG', message, ExitCode.usage, { where, hint }),
  leaseHeld: (keyId: string, owner: string, expiresAt: string) =>
    new KeyturnError('ELEASE', `key ${keyId} is being rotated by ${owner} (lease until ${expiresAt})`, ExitCode.failed, {
      hint: 'wait for that rotation to finish; a lease left by a crashed run expires by itself',
      owner,
      expiresAt,
    }),
  stageConflict: (keyId: string, rotationId: string) =>
    new KeyturnError('ESTAGE', `rotation ${rotationId} of ${keyId} was already staged with different material`, ExitCode.needsAttention),
  /** nothing can be asked without a terminal on stdin and stderr; `needs` is what `what` was waiting for */
  noTty: (what: string, needs: NoTtyNeed = 'confirmation') =>
    new KeyturnError('ENOTTY', `${what} ${NO_TTY[needs].problem}`, ExitCode.usage, { hint: NO_TTY[needs].hint }),
  /** a renew found another token on the lease: the rotation must stop before it writes again */
  leaseLost: (keyId: string) =>
    new KeyturnError('ELEASE', `the lease on key ${keyId} was lost (it expired or was broken)`, ExitCode.failed, {
      hint: 'the rotation must stop: another run may take over this key',
    }),
  notPendingVersion: (keyId: string, rotationId: string) =>
    new KeyturnError('ESTORE', `cannot promote rotation ${rotationId} of ${keyId}: it is not the pending version`, ExitCode.failed, {
      hint: 'stage the new key first; a promote after a rollback of the same rotation is refused on purpose',
    }),
  /** Ctrl-C or end of input at a prompt */
  interrupted: () =>
    new KeyturnError('EABORTED', 'interrupted at the prompt', ExitCode.failed, { hint: 'run it again to resume where it stopped' }),
  stalePlan: (why: string) =>
    new KeyturnError('ESTALEPLAN', `the saved plan is stale: ${why}`, ExitCode.usage, {
      hint: 'run `keyturn plan --out FILE` again and review it',
    }),
  unknownKey: (keyId: string) => new KeyturnError('EUNKNOWNKEY', `no key named ${keyId} in the configuration`, ExitCode.usage),
  unknownPerson: (person: string) => new KeyturnError('EUNKNOWNPERSON', `nobody named ${person} in people or teams`, ExitCode.usage),
  store: (message: string, hint?: string) => new KeyturnError('ESTORE', message, ExitCode.failed, { hint }),
  issuer: (message: string, hint?: string) => new KeyturnError('EISSUER', message, ExitCode.failed, { hint }),
  consumer: (message: string, hint?: string) => new KeyturnError('ECONSUMER', message, ExitCode.failed, { hint }),
  verify: (message: string, hint?: string) => new KeyturnError('EVERIFY', message, ExitCode.failed, { hint }),
  masterKey: (message: string, hint?: string) => new KeyturnError('EMASTERKEY', message, ExitCode.usage, { hint }),
  /** the store file is damaged, foreign or from another version: like a wrong key, the operator must fix it */
  storeFile: (message: string, hint?: string) => new KeyturnError('ESTOREFILE', message, ExitCode.usage, { hint }),
  /** the store's disk failed a read or write (full, read-only, I/O error): work stops where it is */
  storeIo: (message: string, hint?: string) => new KeyturnError('ESTOREIO', message, ExitCode.needsAttention, { hint }),
  /** the store a run was using vanished or was replaced by another one: work stops where it is */
  storeLost: (message: string, hint?: string) => new KeyturnError('ESTORELOST', message, ExitCode.needsAttention, { hint }),
};

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
