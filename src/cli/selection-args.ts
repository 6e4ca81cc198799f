import type { Selection } from '../plan/select.js';

export interface SelectionArgs {
  keys?: string[];
  due?: boolean;
  all?: boolean;
  tag?: string;
}

export function selectionFrom(argv: SelectionArgs): Selection {
  return { keys: argv.keys?.length ? argv.keys : undefined, due: argv.due, all: argv.all, tag: argv.tag };
}
