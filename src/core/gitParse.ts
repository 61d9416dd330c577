// Pure parsers for git output; fixture-tested in test/unit/gitParse.test.ts.

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Short branch name (without refs/heads/), when on a branch. */
  branch?: string;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  prunable: boolean;
}

/** Parses `git worktree list --porcelain -z`. */
export function parseWorktreeList(stdout: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  // -z ends each attribute with NUL and each record with an extra NUL; without -z, lines and blank lines.
  const sep = stdout.includes('\0') ? '\0' : '\n';
  for (const field of stdout.split(sep)) {
    if (field === '') {
      current = undefined;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, bare: false, detached: false, locked: false, prunable: false };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    if (key === 'HEAD') current.head = value;
    else if (key === 'branch') current.branch = value.replace(/^refs\/heads\//, '');
    else if (key === 'bare') current.bare = true;
    else if (key === 'detached') current.detached = true;
    else if (key === 'locked') current.locked = true;
    else if (key === 'prunable') current.prunable = true;
  }
  return entries;
}

export interface StatusEntry {
  /** Two-letter XY code: "??" for untracked. */
  code: string;
  path: string;
  /** For renames and copies, the path it came from. */
  from?: string;
}

/** Parses `git status --porcelain=v1 -z`. */
export function parseStatusPorcelain(stdout: string): StatusEntry[] {
  const out: StatusEntry[] = [];
  const fields = stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    const code = f.slice(0, 2);
    const entry: StatusEntry = { code, path: f.slice(3) };
    // In -z format a rename's source follows as its own field.
    if (code[0] === 'R' || code[0] === 'C') entry.from = fields[++i];
    out.push(entry);
  }
  return out;
}

/** `git status --porcelain=v2 --branch -z`: HEAD's commit and branch with the entries, in one process. */
export interface StatusV2 {
  /** HEAD's commit; undefined on an unborn branch (or one deleted behind our back): "(initial)". */
  oid?: string;
  /** The branch HEAD names; undefined when detached. */
  branch?: string;
  /** As `parseStatusPorcelain` gives them: "??" for untracked, " M", "R " and so on. */
  entries: StatusEntry[];
}

/** Fields before the path in v2's ordinary ("1"), rename or copy ("2") and unmerged ("u") entries. */
const V2_FIELDS: Record<string, number> = { '1': 8, '2': 9, u: 10 };

/** Parses `git status --porcelain=v2 --branch -z`. Paths are raw after -z: spaces and newlines included. */
export function parseStatusV2(stdout: string): StatusV2 {
  const out: StatusV2 = { entries: [] };
  const fields = stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.startsWith('# branch.oid ')) {
      const oid = f.slice('# branch.oid '.length);
      if (oid !== '(initial)') out.oid = oid;
    } else if (f.startsWith('# branch.head ')) {
      const head = f.slice('# branch.head '.length);
      if (head !== '(detached)') out.branch = head;
    } else if (f.startsWith('? ') || f.startsWith('! ')) {
      out.entries.push({ code: f[0] + f[0], path: f.slice(2) });
    } else if (V2_FIELDS[f[0]] !== undefined && f[1] === ' ') {
      let at = 0;
      for (let n = 0; n < V2_FIELDS[f[0]] && at >= 0; n++) at = f.indexOf(' ', at + 1);
      if (at < 0) continue;
      const entry: StatusEntry = { code: f.slice(2, 4).replace(/\./g, ' '), path: f.slice(at + 1) };
      // A rename's or copy's source follows as its own field.
      if (f[0] === '2') entry.from = fields[++i];
      out.entries.push(entry);
    }
  }
  return out;
}

export interface ShortStat {
  files: number;
  insertions: number;
  deletions: number;
}

/** Parses `git diff --shortstat`: " 3 files changed, 10 insertions(+), 2 deletions(-)". */
export function parseShortStat(stdout: string): ShortStat {
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
  return {
    files: num(/(\d+) files? changed/),
    insertions: num(/(\d+) insertions?\(\+\)/),
    deletions: num(/(\d+) deletions?\(-\)/),
  };
}

/** Parses NUL- or newline-separated ref names from `for-each-ref`. */
export function parseRefList(stdout: string): string[] {
  return stdout
    .split(/[\0\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.endsWith('/HEAD'));
}

/**
 * Checks a branch name before asking git, for what git's own rules allow but
 * we must refuse (the name also becomes a folder name). Returns the reason,
 * or undefined when the name may go to `git check-ref-format --branch`.
 */
export function branchNamePrecheck(name: string): string | undefined {
  if (name.trim() === '') return 'The branch name is empty.';
  if (name !== name.trim()) return 'A branch name cannot start or end with spaces.';
  if (name.startsWith('-')) return 'A branch name cannot start with "-".';
  if (name === 'HEAD' || name === '@') return `"${name}" is not allowed as a branch name.`;
  if (name.includes('@{')) return 'A branch name cannot contain "@{".';
  if ([...name].length > 200) return `The branch name is ${[...name].length} characters long; the limit is 200.`;
  return undefined;
}

/** The folder name a branch gets under the worktree root: "feat/x" → "feat-x". */
export function worktreeFolderName(branch: string): string {
  return branch.replace(/[/\\]+/g, '-').replace(/^\.+/, '_');
}
