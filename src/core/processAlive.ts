/**
 * Whether a process with this id exists on this machine (signal 0 checks
 * without sending anything). Used to tell a live window's lock or operation
 * from one left by a window that is gone (SPEC §4, R1).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
