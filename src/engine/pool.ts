/** Run tasks with at most `limit` in flight; results keep the input order. A task's failure is its own. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/**
 * At most `size` holders, served in the order they asked; acquire and release are idempotent
 * per holder.
 */
export class Slots {
  private readonly holders = new Set<string>();
  private readonly queue: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async acquire(holder: string): Promise<void> {
    if (this.holders.has(holder)) return;
    while (this.holders.size >= this.size) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.holders.add(holder);
  }

  release(holder: string): void {
    if (this.holders.delete(holder)) this.queue.shift()?.();
  }
}
