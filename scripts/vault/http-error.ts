/** A Vault answer other than success: the status and the `errors` array Vault puts in the body. */
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

export const notFound = () => new VaultHttpError(404, []);
export const badRequest = (message: string) => new VaultHttpError(400, [message]);
export const permissionDenied = () => new VaultHttpError(403, ['permission denied']);
