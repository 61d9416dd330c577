import * as vscode from 'vscode';
import { chooseWorkspace, optional, type Command, type SessionArgs } from './command';
import { CommandId } from './ids';

/** Copies `env -u TMUX tmux -L <socket> -u attach-session -t =<name>` (SPEC §3); returns it too. */
export const copyAttachCommand: Command<SessionArgs, string | undefined> = {
  id: CommandId.copyAttachCommand,
  async run(invocation, s, deps) {
    const workspace = await chooseWorkspace(invocation, s, deps, this.id, {
      title: 'Copy Attach Command',
      filter: (w) => w.status === 'ready',
      none: 'There is no ready workspace.',
    });
    if (!workspace) return undefined;
    const name = optional(invocation, 'sessionName', this.id, 'string') ?? workspace.baseSession.name;
    const line = s.lifecycle.attachCommandLine(name);
    await vscode.env.clipboard.writeText(line);
    if (invocation.interactive) vscode.window.setStatusBarMessage(`$(copy) Copied: ${line}`, 4000);
    return line;
  },
};
