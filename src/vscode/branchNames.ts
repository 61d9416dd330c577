/**
 * Checks of a new branch name that need no process, so typing one costs no
 * git call per pause (and no failure in the log per mistake). git stays the
 * judge (C1): a name that passes these is still checked by
 * `git check-ref-format --branch`, and core checks again on create.
 */

/** git-check-ref-format(1)'s rules for a branch name; the reason, or undefined when it passes them. */
export function refFormatProblem(name: string): string | undefined {
  const bad = (why: string) => `"${name}" is not a valid branch name: ${why}.`;
  if (name === '@') return bad('"@" alone is reserved');
  if (name.startsWith('-')) return bad('it cannot start with "-"');
  if (name.startsWith('/') || name.endsWith('/')) return bad('it cannot start or end with "/"');
  if (name.includes('//')) return bad('it cannot contain "//"');
  if (name.includes('..')) return bad('it cannot contain ".."');
  if (name.includes('@{')) return bad('it cannot contain "@{"');
  if (name.endsWith('.')) return bad('it cannot end with "."');
  // eslint-disable-next-line no-control-regex -- control characters are what git refuses
  const char = /[\x00-\x20\x7f~^:?*[\\]/.exec(name)?.[0];
  if (char !== undefined) return bad(char === ' ' ? 'it cannot contain spaces' : char < ' ' || char === '\x7f' ? 'it cannot contain control characters' : `it cannot contain "${char}"`);
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return bad('no part of it can start with "."');
    if (part.endsWith('.lock')) return bad('no part of it can end with ".lock"');
  }
  return undefined;
}

/**
 * git stores a branch as a file under refs/heads, so "feature" and
 * "feature/x" cannot both exist; `git worktree add` would refuse only at the
 * end. Returns why `name` clashes with one of `existing`, if it does.
 */
export function refNamespaceConflict(name: string, existing: readonly string[]): string | undefined {
  const below = existing.find((b) => b.startsWith(`${name}/`));
  if (below) return `The branch "${below}" exists, so "${name}" cannot be a branch too (git keeps "${name}/" as a folder).`;
  const parts = name.split('/');
  for (let i = 1; i < parts.length; i++) {
    const above = parts.slice(0, i).join('/');
    if (existing.includes(above)) return `The branch "${above}" exists, so "${name}" cannot be a branch too (git would need "${above}" as a folder).`;
  }
  return undefined;
}
