import * as vscode from 'vscode';
import { UserError } from '../../core';
import { toApiSession, type ApiSession } from '../api';
import { ADD_AGENT } from '../prompts/prompter';
import { isReady, required, workspaceCommand, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';

export interface LaunchArgs extends WorkspaceArgs {
  /** A launch target key, e.g. `claude` or `shell`. */
  target: string;
}

export const launch = workspaceCommand<LaunchArgs, ApiSession | undefined>(
  CommandId.launch,
  { title: 'Launch Agent or Shell', filter: isReady, none: 'There is no ready workspace to launch in. Create a workspace first.' },
  async (workspace, invocation, s, deps) => {
    let targetKey: string | undefined;
    if (invocation.args.target !== undefined || !invocation.interactive) {
      targetKey = required(invocation, 'target', CommandId.launch);
    } else {
      const { targets, problems } = s.lifecycle.targets();
      for (const p of problems) deps.log.warn(`worktreeSessions.agents: ${p.message}`);
      if (problems.length) {
        const open = 'Open Settings';
        void deps.prompter()
          .notify({ severity: 'warning', message: `Some entries of worktreeSessions.agents were skipped: ${problems.map((p) => p.message).join(' ')}`, actions: [open] })
          .then((choice) => (choice === open ? openAgentsSetting() : undefined));
      }
      const chosen = await deps.prompter().pickTarget({ title: `Launch in ${workspace.branch}`, targets });
      if (chosen === ADD_AGENT) {
        await openAgentsSetting();
        return undefined;
      }
      targetKey = chosen?.key;
    }
    if (!targetKey) return undefined;
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Launching ${targetKey} in ${workspace.branch}` },
      () => s.lifecycle.launch(workspace.id, targetKey),
    );
    // Launching opens the session's terminal; a programmatic caller keeps its focus.
    const fresh = s.lifecycle.workspace(workspace.id);
    if (!fresh) throw new UserError(`"${workspace.branch}" was deleted while ${session.label} started.`);
    await openWorkspaceTerminal(withSession(fresh, session), session.name, s, { preserveFocus: !invocation.interactive });
    return toApiSession(session);
  },
);

/** Machine-scoped: the settings editor shows it under User (or the remote's tab), where it can be set. */
async function openAgentsSetting(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', 'worktreeSessions.agents');
}

/** The workspace as it is now, with `session` listed even if the view has not caught up with it yet. */
export function withSession<W extends { sessions: S[] }, S extends { name: string }>(workspace: W, session: S): W {
  return { ...workspace, sessions: [...workspace.sessions.filter((x) => x.name !== session.name), session] };
}
