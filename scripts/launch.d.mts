export function isFresh(out: string): boolean;
export function build(entry: string, out: string, extraInputs?: string[]): Promise<void>;
export function ensureBuilt(verb: string, root?: string): Promise<{ entry: string; out: string }>;
