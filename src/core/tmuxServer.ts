import net from 'node:net';
import path from 'node:path';

/**
 * Where `tmux -L <name>` keeps its server socket: `$TMUX_TMPDIR` (else /tmp),
 * then `tmux-<uid>/<name>`, as tmux itself computes it.
 */
export function tmuxSocketPath(env: NodeJS.ProcessEnv, socketName: string): string {
  return path.join(env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socketName);
}

/**
 * Whether a tmux server still listens on `socketPath`, asked without tmux
 * (for when its binary cannot be started). A socket that refuses or does not
 * exist has no server; anything that cannot be told apart counts as running,
 * since the answer decides whether sessions may be forgotten.
 */
export function serverListening(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    const done = (running: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(running);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(!['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR'].includes(e.code ?? '')));
  });
}
