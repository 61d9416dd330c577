import * as vscode from 'vscode';
import { isReady, optional, workspaceCommand, type SessionArgs } from './command';
import { CommandId } from './ids';

/** Copies `env -u TMUX tmux -L <socket> -f /dev/null -u attach-session -t =<name>` (SPEC §3); returns it too. */
export const copyAttachCommand = workspaceCommand<SessionArgs, string>(
  CommandId.copyAttachCommand,
  { title: 'Copy Attach Command', filter: isReady, none: 'There is no ready workspace.' },
  async (workspace, invocation, s) => {
    const name = optional(invocation, 'sessionName', CommandId.copyAttachCommand, 'string') ?? workspace.baseSession.name;
    const line = s.lifecycle.attachCommandLine(name);
    await vscode.env.clipboard.writeText(line);
    if (invocation.interactive) vscode.window.setStatusBarMessage(`$(copy) Copied: ${line}`, 4000);
    return line;
  },
);
