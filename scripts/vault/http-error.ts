/**
 * A Vault answer other than success: the status and the `errors` array Vault puts in the body,
 * with the texts Vault's own code produces (hashicorp/vault sdk/logical/response_util.go,
 * vault/request_handling.go; go-multierror's format for the wrapped ones).
 */
export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    /** a body other than {"errors":[…]} (a read of a deleted version answers 404 with a success-style body) */
    readonly body?: unknown,
  ) {
    super(errors[0] ?? `status ${status}`);
  }
}

/** go-multierror's Error(): "1 error occurred:\n\t* a\n\n", "2 errors occurred:\n\t* a\n\t* b\n\n". */
export function multiError(messages: string[]): string {
  const n = messages.length;
  return `${n} error${n === 1 ? '' : 's'} occurred:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

export const notFound = () => new VaultHttpError(404, []);
export const badRequest = (message: string) => new VaultHttpError(400, [message]);
/** No token at all: fetchACLTokenEntryAndEntity returns logical.ErrPermissionDenied alone. */
export const permissionDenied = () => new VaultHttpError(403, ['permission denied']);
/** A token Vault does not know (revoked, expired, made up): ErrPermissionDenied joined with ErrInvalidToken. */
export const invalidToken = () => new VaultHttpError(403, [multiError(['permission denied', 'invalid token'])]);
/** A valid token whose policies do not grant the capability: checkToken appends ErrPermissionDenied to a multierror. */
export const policyDenied = () => new VaultHttpError(403, [multiError(['permission denied'])]);
export const unsupportedOperation = () => new VaultHttpError(405, [multiError(['unsupported operation'])]);
export const unsupportedPath = () => new VaultHttpError(404, [multiError(['unsupported path'])]);
