import path from 'node:path';
import * as vscode from 'vscode';
import { UserError, type ApprovalRequest, type OperationOptions } from '../core';
import type { Prompter } from './prompts/prompter';

export const APPROVE = 'Approve and Run';
export const WITHOUT = 'Create Without Them';

/** What a transcript keeps of a setup's output (the tests read it; the terminal shows all). */
const TRANSCRIPT_CHARS = 64 * 1024;
const CTRL_C = '\x03';

/**
 * §9: the one question before a repository's own commands run. Modal, since
 * code from the repository would run on this machine; dismissing it cancels
 * the create before anything is made.
 */
export function approveRepositorySetup(prompter: Prompter): (request: ApprovalRequest) => Promise<boolean> {
  return async (request) => {
    const name = path.basename(request.repoRoot);
    const choice = await prompter.confirm({
      message: `${name}'s ${path.basename(request.file)} asks to run commands on this machine. Run them?`,
      detail: `${request.commands.join('\n')}\n\nApproved once for this exact content (sha256 ${request.hash.slice(0, 12)}…); a changed file asks again. Worktree Sessions: Review Repository Setup revokes it.`,
      actions: [APPROVE, WITHOUT],
    });
    if (choice === APPROVE) return true;
    if (choice === WITHOUT) return false;
    throw new UserError('Cancelled: the workspace was not created.');
  };
}

/**
 * §9: setup output, watched live in a pseudo-terminal that opens with the
 * first output (nothing opens for a quiet setup) and stays until the user
 * closes it. Ctrl+C in it cancels the setup, as the progress notification's
 * Cancel does; its last line says how the setup ended.
 */
export class SetupOutput implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly pending: string[] = [];
  private readonly cancel = new AbortController();
  private opened = false;
  private text = '';
  /** Aborted by Ctrl+C in the terminal. */
  readonly signal = this.cancel.signal;

  constructor(readonly branch: string, private readonly onClose: (output: SetupOutput) => void = () => undefined) {}

  get hasTerminal(): boolean {
    return this.terminal !== undefined;
  }

  /** What the terminal was sent so far (its end, when long). */
  get transcript(): string {
    return this.text;
  }

  readonly write = (chunk: string): void => {
    this.show(chunk.replace(/\r?\n/g, '\r\n'));
  };

  /** The closing line, only in a terminal that opened: a quiet setup that succeeded shows nothing. */
  finish(failure?: unknown): void {
    if (!this.terminal) return;
    if (failure === undefined) this.show('\r\n\x1b[32mSetup finished.\x1b[0m\r\n');
    else this.show(`\r\n\x1b[31mSetup ${this.signal.aborted ? 'cancelled' : 'failed'}: ${failure instanceof Error ? failure.message : String(failure)}\x1b[0m\r\n`);
  }

  private show(text: string): void {
    this.text = (this.text + text).slice(-TRANSCRIPT_CHARS);
    if (!this.terminal) this.open();
    if (this.opened) this.writer.fire(text);
    else this.pending.push(text);
  }

  private open(): void {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writer.event,
      open: () => {
        this.opened = true;
        for (const t of this.pending.splice(0)) this.writer.fire(t);
      },
      close: () => this.onClose(this),
      handleInput: (data) => {
        if (!data.includes(CTRL_C) || this.cancel.signal.aborted) return;
        this.show('^C\r\nCancelling the setup…\r\n');
        this.cancel.abort();
      },
    };
    this.terminal = vscode.window.createTerminal({ name: `Setup: ${this.branch}`, pty, isTransient: true });
    this.terminal.show(true);
  }

  dispose(): void {
    this.writer.dispose();
  }
}

/**
 * The setup outputs of this window: the latest per branch stays readable
 * (the tests read its transcript), and each with a terminal lives until that
 * terminal is closed.
 */
export class SetupTerminals implements vscode.Disposable {
  private readonly latest = new Map<string, SetupOutput>();
  private readonly all = new Set<SetupOutput>();

  start(branch: string): SetupOutput {
    const output = new SetupOutput(branch, (closed) => this.forget(closed));
    this.latest.set(branch, output);
    this.all.add(output);
    // A quiet setup that is no longer the latest of its branch has nothing left to show.
    for (const o of this.all) if (!o.hasTerminal && this.latest.get(o.branch) !== o) this.forget(o);
    return output;
  }

  transcript(branch: string): string | undefined {
    return this.latest.get(branch)?.transcript;
  }

  private forget(output: SetupOutput): void {
    this.all.delete(output);
    if (this.latest.get(output.branch) === output) this.latest.delete(output.branch);
    output.dispose();
  }

  dispose(): void {
    for (const o of this.all) o.dispose();
    this.all.clear();
    this.latest.clear();
  }
}

/**
 * Runs an operation that may run setup commands (create, retry, recreate, a
 * pull request, a restore) as §9 asks: trust read now, the approval question,
 * the output live in a terminal, and cancel from the notification or Ctrl+C.
 */
export async function withSetup<T>(
  branch: string,
  seams: { terminals: SetupTerminals; prompter: Prompter; trusted: boolean },
  report: (message: string) => void,
  signal: AbortSignal,
  work: (options: OperationOptions) => Promise<T>,
): Promise<T> {
  const output = seams.terminals.start(branch);
  try {
    const result = await work({
      signal: AbortSignal.any([signal, output.signal]),
      trusted: seams.trusted,
      onProgress: report,
      approve: approveRepositorySetup(seams.prompter),
      onOutput: output.write,
    });
    output.finish();
    return result;
  } catch (e) {
    output.finish(e);
    throw e;
  }
}
