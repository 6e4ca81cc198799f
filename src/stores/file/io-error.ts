/** A file system error as an operator reads it: the errno code and what it means, never a path's content. */
import { codeOf } from './master-key.js';

const MEANINGS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
};

export function ioProblem(error: unknown): string {
  const code = codeOf(error);
  const meaning = MEANINGS[code];
  return meaning ? `${code} (${meaning})` : code;
}
