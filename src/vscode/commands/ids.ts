/** Every command the extension contributes; package.json lists the same ids (a test checks both ways). */
export const CommandId = {
  createWorkspace: 'worktreeSessions.createWorkspace',
  openTerminal: 'worktreeSessions.openTerminal',
  launch: 'worktreeSessions.launch',
  stopSession: 'worktreeSessions.stopSession',
  deleteWorkspace: 'worktreeSessions.deleteWorkspace',
  refresh: 'worktreeSessions.refresh',
  retrySetup: 'worktreeSessions.retrySetup',
  recreateWorkspace: 'worktreeSessions.recreateWorkspace',
  forgetWorkspace: 'worktreeSessions.forgetWorkspace',
  relaunchLost: 'worktreeSessions.relaunchLost',
  copyAttachCommand: 'worktreeSessions.copyAttachCommand',
  openInNewWindow: 'worktreeSessions.openInNewWindow',
  revealWorktree: 'worktreeSessions.revealWorktree',
  showActions: 'worktreeSessions.showActions',
  showLog: 'worktreeSessions.showLog',
  nextWaitingSession: 'worktreeSessions.nextWaitingSession',
} as const;

export type CommandIdValue = (typeof CommandId)[keyof typeof CommandId];
