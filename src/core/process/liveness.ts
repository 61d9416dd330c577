import fs from 'node:fs';

/**
 * A process as it can be recognised later: its id plus when it started, so a
 * process that took over a dead one's id is not mistaken for it (pid reuse).
 * `startTime` is opaque (clock ticks since boot on Linux); absent where the
 * platform does not tell it cheaply.
 */
export interface ProcessIdentity {
  pid: number;
  startTime?: string;
}

/** Start time from /proc/<pid>/stat (field 22), or undefined without /proc or without the process. */
function startTimeOf(pid: number): { startTime: string; zombie: boolean } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[22 - 3];
  return startTime ? { startTime, zombie: state === 'Z' } : undefined;
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let own: ProcessIdentity | undefined;

/** This process's identity (computed once), or another's; undefined when no such process exists. */
export function processIdentity(pid: number = process.pid): ProcessIdentity | undefined {
  if (pid === process.pid && own) return own;
  if (!Number.isInteger(pid) || pid <= 0 || !exists(pid)) return undefined;
  const id: ProcessIdentity = { pid, startTime: startTimeOf(pid)?.startTime };
  if (pid === process.pid) own = id;
  return id;
}

/**
 * Whether the process recorded as `id` still runs: its pid exists and, where
 * both start times are known, started at the same moment. What cannot be
 * known counts as alive, so a live holder is never taken for gone.
 */
export function isSameProcessAlive(id: ProcessIdentity): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 0) return false;
  if (!exists(id.pid)) return false;
  const now = startTimeOf(id.pid);
  // An exited child its parent has not reaped yet: gone, though its pid still answers.
  if (now?.zombie) return false;
  if (id.startTime === undefined || now === undefined) return true;
  return now.startTime === id.startTime;
}
