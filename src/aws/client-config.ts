/**
 * One way to configure every AWS SDK client keyturn builds. Region, credentials and endpoint
 * come from the SDK's standard chain (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …), so the
 * same code runs against AWS, moto_server or LocalStack. Throttling (ThrottlingException,
 * HTTP 429) is retried by the SDK with exponential backoff; `adaptive` mode also slows the
 * client down when the service keeps throttling, instead of hammering it.
 */
export interface AwsClientOptions {
  region?: string;
  /** overrides AWS_ENDPOINT_URL (tests, LocalStack) */
  endpoint?: string;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function clientConfig(options: AwsClientOptions, env: NodeJS.ProcessEnv = process.env) {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL;
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
  };
}

/** Counts the API calls a client makes, by command name (the benchmark compares them with the minimum). */
export class CallCounter {
  readonly calls = new Map<string, number>();

  get total(): number {
    let sum = 0;
    for (const n of this.calls.values()) sum += n;
    return sum;
  }

  attach(client: { middlewareStack: { add: (mw: never, options: { step: 'initialize'; name: string }) => void } }): void {
    const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const name = context.commandName ?? 'unknown';
      this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
      return next(args);
    };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'keyturnCallCounter' });
  }
}

/** The AWS error name of an SDK failure (ResourceNotFoundException, NoSuchEntity, …). */
export function awsErrorName(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}
