import path from 'node:path';
import * as vscode from 'vscode';
import { UserError, type ApprovalRequest } from '../core';

const APPROVE = 'Approve and Run';
const WITHOUT = 'Create Without Them';

/**
 * §9: the one question before a repository's own commands run. Modal, since
 * code from the repository would run on this machine; dismissing it cancels
 * the create before anything is made.
 */
export async function approveRepositorySetup(request: ApprovalRequest): Promise<boolean> {
  const name = path.basename(request.repoRoot);
  const choice = await vscode.window.showWarningMessage(
    `${name}'s ${path.basename(request.file)} asks to run commands on this machine. Run them?`,
    {
      modal: true,
      detail: `${request.commands.join('\n')}\n\nApproved once for this exact content (sha256 ${request.hash.slice(0, 12)}…); a changed file asks again. Worktree Sessions: Review Repository Setup revokes it.`,
    },
    APPROVE,
    WITHOUT,
  );
  if (choice === APPROVE) return true;
  if (choice === WITHOUT) return false;
  throw new UserError('Cancelled: the workspace was not created.');
}

/**
 * §9: setup output, watched live in a terminal that opens with the first
 * output (nothing opens for a quiet setup) and stays until the user closes it.
 */
export class SetupOutput implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly pending: string[] = [];
  private opened = false;

  constructor(private readonly branch: string) {}

  readonly write = (chunk: string): void => {
    const text = chunk.replace(/\r?\n/g, '\r\n');
    if (!this.terminal) this.open();
    if (this.opened) this.writer.fire(text);
    else this.pending.push(text);
  };

  private open(): void {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writer.event,
      open: () => {
        this.opened = true;
        for (const t of this.pending.splice(0)) this.writer.fire(t);
      },
      close: () => undefined,
    };
    this.terminal = vscode.window.createTerminal({ name: `Setup: ${this.branch}`, pty, isTransient: true });
    this.terminal.show(true);
  }

  dispose(): void {
    this.writer.dispose();
  }
}
