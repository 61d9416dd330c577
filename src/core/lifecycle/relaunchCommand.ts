import type { LaunchTarget, SessionRecord } from '../model';

export const SESSION_ID_PLACEHOLDER = '{sessionId}';

/**
 * R2 and §8: what relaunching a lost session runs. A resume command with
 * `{sessionId}` resumes exactly the conversation the agent's hook reported;
 * without a known id, the built-in's "latest conversation" command (or the
 * plain command) runs instead.
 */
export function relaunchCommand(target: LaunchTarget | undefined, row: Pick<SessionRecord, 'command' | 'agentSessionId'>): string[] {
  const resume = target?.resumeCommand;
  if (!target) return row.command;
  if (!resume) return target.command;
  if (!resume.some((a) => a.includes(SESSION_ID_PLACEHOLDER))) return resume;
  if (row.agentSessionId) return resume.map((a) => a.split(SESSION_ID_PLACEHOLDER).join(row.agentSessionId!));
  return target.continueCommand ?? target.command;
}
