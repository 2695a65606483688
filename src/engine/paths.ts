// Image paths: always POSIX ("/a/b"), the root is "/". Host paths never come here.

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * A path short enough for one line of a message: a hostile image can nest directories hundreds
 * of levels deep (or loop), and a warning that prints a 256-level path is unreadable. Keeps the
 * first two and the last two components and says how many levels were left out.
 */
export function shortPath(path: string, max = 120): string {
  if (path.length <= max) return path;
  const parts = path.split('/').filter(Boolean);
  if (parts.length <= 4) return `${path.slice(0, max / 2)}…${path.slice(-max / 2)}`;
  const head = parts.slice(0, 2).join('/');
  const tail = parts.slice(-2).join('/');
  const cut = (s: string) => (s.length > max / 3 ? `${s.slice(0, max / 3)}…` : s);
  return `/${cut(head)}/…(${parts.length - 4} more levels)…/${cut(tail)}`;
}
