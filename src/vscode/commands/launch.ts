import * as vscode from 'vscode';
import { UserError } from '../../core';
import { toApiSession, type ApiSession } from '../api';
import { chooseWorkspace, required, type Command, type WorkspaceArgs } from './command';
import { CommandId } from './ids';
import { openWorkspaceTerminal } from './openTerminal';

export interface LaunchArgs extends WorkspaceArgs {
  /** A launch target key, e.g. `claude` or `shell`. */
  target: string;
}

export const launch: Command<LaunchArgs, ApiSession | undefined> = {
  id: CommandId.launch,
  async run(invocation, s, deps) {
    const workspace = await chooseWorkspace(invocation, s, deps, this.id, {
      title: 'Launch Agent or Shell',
      filter: (w) => w.status === 'ready',
      none: 'There is no ready workspace to launch in. Create a workspace first.',
    });
    if (!workspace) return undefined;
    let targetKey: string | undefined;
    if (invocation.args.target !== undefined || !invocation.interactive) {
      targetKey = required(invocation, 'target', this.id);
    } else {
      const { targets, problems } = s.lifecycle.targets();
      for (const p of problems) deps.log.warn(`worktreeSessions.agents: ${p.message}`);
      if (problems.length) {
        void vscode.window.showWarningMessage(`Some entries of worktreeSessions.agents were skipped: ${problems.map((p) => p.message).join(' ')}`);
      }
      targetKey = (await deps.prompter().pickTarget({ title: `Launch in ${workspace.branch}`, targets }))?.key;
    }
    if (!targetKey) return undefined;
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Launching ${targetKey} in ${workspace.branch}` },
      () => s.lifecycle.launch(workspace.id, targetKey),
    );
    // Launching opens the session's terminal; a programmatic caller keeps its focus.
    const fresh = s.lifecycle.workspace(workspace.id);
    if (!fresh) throw new UserError(`"${workspace.branch}" was deleted while ${session.label} started.`);
    await openWorkspaceTerminal({ ...fresh, sessions: fresh.sessions.some((x) => x.name === session.name) ? fresh.sessions : [...fresh.sessions, session] }, session.name, s, { preserveFocus: !invocation.interactive });
    return toApiSession(session);
  },
};
