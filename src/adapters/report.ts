/** Reports one problem at a path inside an adapter's options or a key's spec; the caller knows where that object sits. */
export type Report = (path: ReadonlyArray<string | number>, message: string, hint?: string) => void;
