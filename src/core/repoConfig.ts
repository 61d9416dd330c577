import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './model';

/** SPEC §9: the file a repository carries at its root (read from the main worktree). */
export const REPO_CONFIG_FILE = '.worktree-sessions.json';
/** SPEC §9: gitignore syntax, which ignored files to copy (as Claude Code reads it). */
export const WORKTREE_INCLUDE_FILE = '.worktreeinclude';

/** An argv array, or a string the user's login shell runs. */
export type RepoCommand = string[] | string;

export interface RepoLaunch {
  target: string;
  onCreate: boolean;
}

export interface RepoConfig {
  copy: string[];
  symlink: string[];
  setup: RepoCommand[];
  teardown: RepoCommand[];
  /** How many consecutive ports the workspace gets; 0 for none. */
  ports: number;
  env: Record<string, string>;
  launch: RepoLaunch[];
}

export interface LoadedRepoConfig {
  config: RepoConfig;
  /** sha256 of the file's exact bytes: what an approval is for (§9). */
  hash: string;
  file: string;
}

const KEYS = ['copy', 'symlink', 'setup', 'teardown', 'ports', 'env', 'launch'] as const;
/** A block larger than this is a typo, not a need; it would also crowd the range for everyone else. */
export const MAX_PORTS = 100;

/**
 * The repository's `.worktree-sessions.json`, checked whole; undefined when
 * there is none. Every problem is a UserError naming the key (§9), raised
 * before anything is made.
 */
export function readRepoConfig(repoRoot: string): LoadedRepoConfig | undefined {
  const file = path.join(repoRoot, REPO_CONFIG_FILE);
  let bytes: Buffer;
  try {
    // A link could point the read at any file of the user's; the file is the repository's own or nothing.
    if (fs.lstatSync(file).isSymbolicLink()) throw new UserError(`${file} is a symbolic link; it must be a regular file in the repository.`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${file} cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}. Nothing was created.`);
  }
  const config = parseRepoConfig(raw, file);
  return { config, hash: createHash('sha256').update(bytes).digest('hex'), file };
}

/** Checks a parsed file; exported for the schema test, which feeds it the same cases. */
export function parseRepoConfig(raw: unknown, file = REPO_CONFIG_FILE): RepoConfig {
  const bad = (key: string, why: string) => new UserError(`${file}: "${key}" ${why}. Fix the file; nothing was created.`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file} must hold a JSON object. Fix the file; nothing was created.`);
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length) throw bad(unknown[0], `is not a key of this file (known: ${KEYS.join(', ')})`);

  const globs = (key: 'copy' | 'symlink'): string[] => {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((g) => typeof g !== 'string' || !g.trim())) throw bad(key, 'must be a list of non-empty glob strings');
    for (const g of v as string[]) {
      // §9: copies and symlinks never leave the repository.
      if (path.isAbsolute(g) || g.split(/[\\/]/).includes('..')) throw bad(key, `has "${g}", which leads outside the repository`);
    }
    return v as string[];
  };
  const commands = (key: 'setup' | 'teardown'): RepoCommand[] => {
    const v = o[key];
    if (v === undefined) return [];
    const ok = Array.isArray(v) && v.every((c) => (typeof c === 'string' && c.trim() !== '')
      || (Array.isArray(c) && c.length > 0 && c.every((a) => typeof a === 'string') && (c[0] as string).trim() !== ''));
    if (!ok) throw bad(key, 'must be a list of commands, each an argv array of strings (["npm", "ci"]) or a string for the login shell ("npm ci && npm run build")');
    return v as RepoCommand[];
  };
  let ports = 0;
  if (o.ports !== undefined) {
    if (typeof o.ports !== 'number' || !Number.isInteger(o.ports) || o.ports < 0 || o.ports > MAX_PORTS) throw bad('ports', `must be a whole number from 0 to ${MAX_PORTS}`);
    ports = o.ports;
  }
  let env: Record<string, string> = {};
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) throw bad('env', 'must be an object of NAME: "value"');
    for (const [name, value] of Object.entries(o.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw bad(`env.${name}`, 'is not a valid environment variable name');
      if (typeof value !== 'string') throw bad(`env.${name}`, 'must be a string');
      // WTS_* are the extension's own (§9): a file cannot pretend to be another workspace.
      if (name.startsWith('WTS_')) throw bad(`env.${name}`, 'uses the WTS_ prefix, which is the extension\'s own');
    }
    env = o.env as Record<string, string>;
  }
  let launch: RepoLaunch[] = [];
  if (o.launch !== undefined) {
    if (!Array.isArray(o.launch)) throw bad('launch', 'must be a list of { "target": "<key>", "onCreate": true }');
    launch = o.launch.map((entry: unknown, i) => {
      const key = `launch[${i}]`;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(key, 'must be an object { "target", "onCreate" }');
      const e = entry as Record<string, unknown>;
      const extra = Object.keys(e).find((k) => k !== 'target' && k !== 'onCreate');
      if (extra) throw bad(`${key}.${extra}`, 'is not a key of a launch entry (known: target, onCreate)');
      if (typeof e.target !== 'string' || !e.target.trim()) throw bad(`${key}.target`, 'must be a launch target key such as "claude" or "shell"');
      if (e.onCreate !== undefined && typeof e.onCreate !== 'boolean') throw bad(`${key}.onCreate`, 'must be true or false');
      return { target: e.target, onCreate: e.onCreate === true };
    });
  }
  return { copy: globs('copy'), symlink: globs('symlink'), setup: commands('setup'), teardown: commands('teardown'), ports, env, launch };
}

/** Whether the file would run anything (its env can too, through NODE_OPTIONS and the like): what approval (§9) is about. */
export function runsCommands(config: RepoConfig): boolean {
  return config.setup.length > 0 || config.teardown.length > 0 || config.launch.some((l) => l.onCreate) || Object.keys(config.env).length > 0;
}

/** A command's argv: a string goes to the login shell as one argument, never interpolated into another. */
export function commandArgv(cmd: RepoCommand, shell: string | undefined): string[] {
  return typeof cmd === 'string' ? [shell || '/bin/sh', '-lc', cmd] : cmd;
}

/** How a command reads in a log line or the approval dialog. */
export function describeCommand(cmd: RepoCommand): string {
  return typeof cmd === 'string' ? cmd : cmd.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** §9: `${WTS_PORT}`, `${WTS_BRANCH}`, `${WTS_WORKTREE}` in env values, by plain substitution (no shell). */
export function expandEnv(env: Record<string, string>, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = value.replace(/\$\{(WTS_PORT|WTS_BRANCH|WTS_WORKTREE)\}/g, (whole, v: string) => vars[v] ?? whole);
  }
  return out;
}

/** The patterns of a `.worktreeinclude` (gitignore syntax): comments and blank lines dropped. */
export function readWorktreeInclude(repoRoot: string): string[] {
  const file = path.join(repoRoot, WORKTREE_INCLUDE_FILE);
  let text: string;
  try {
    if (fs.lstatSync(file).isSymbolicLink()) return [];
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).map((l) => l.replace(/\s+$/, '')).filter((l) => l && !l.startsWith('#'));
}
