import { UserError, type WorkspaceView } from '../../core';
import { sessionLabels } from '../sessionLabels';
import { formatAge, STATE_LABEL } from '../tree/format';
import { chooseWorkspace, required, type CommandDeps, type Invocation, type SessionArgs, type Services } from './command';
import type { CommandIdValue } from './ids';

export interface ChosenSession {
  workspace: WorkspaceView;
  name: string;
  /** As shown: numbered when two share a label ("Shell 2"). */
  label: string;
}

/**
 * The runtime session a command acts on: named by the arguments, else (when
 * interactive) picked from the live sessions, or from the lost ones.
 */
export async function chooseSession(
  invocation: Invocation<SessionArgs>,
  s: Services,
  deps: CommandDeps,
  id: CommandIdValue,
  ask: { title: string; lost: boolean },
): Promise<ChosenSession | undefined> {
  const { targets } = s.lifecycle.targets();
  const rows = (w: WorkspaceView) => (ask.lost ? w.lostSessions.map((x) => ({ ...x, state: undefined })) : w.sessions);
  if (invocation.args.sessionName !== undefined || !invocation.interactive) {
    const workspace = await chooseWorkspace(invocation, s, deps, id, { title: ask.title, none: '' });
    const name = required(invocation, 'sessionName', id);
    if (!workspace) return undefined;
    return { workspace, name, label: sessionLabels(workspace, targets).get(name) ?? name };
  }
  const candidates = s.lifecycle.list()
    .filter((w) => invocation.args.workspaceId === undefined || w.id === invocation.args.workspaceId)
    .flatMap((workspace) => {
      const labels = sessionLabels(workspace, targets);
      return rows(workspace).map((row) => ({ workspace, row, label: labels.get(row.name) ?? row.label }));
    });
  if (!candidates.length) throw new UserError(ask.lost ? 'There is no lost session to relaunch.' : 'There is no running session.');
  return deps.prompter().pick({
    purpose: 'session',
    title: ask.title,
    placeholder: 'Choose a session',
    items: candidates.map(({ workspace, row, label }) => ({
      label: `${workspace.branch} · ${label}`,
      icon: row.target === 'shell' ? 'terminal' : 'hubot',
      description: `${row.state ? STATE_LABEL[row.state] : 'lost'} · ${formatAge(row.createdAt)}`,
      value: { workspace, name: row.name, label },
    })),
  });
}
