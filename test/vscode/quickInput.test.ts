// The prompter users see, driven through VS Code's own quick-input commands.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { LaunchTarget } from '../../src/core';
import { ADD_AGENT, BACK } from '../../src/vscode/prompts/prompter';
import { QuickInputPrompter } from '../../src/vscode/prompts/quickInputPrompter';
import { sleep } from './helpers';

/** Lets the quick pick open and render before it is driven. */
const settle = () => sleep(300);

const target = (key: string, available: boolean): LaunchTarget => ({
  key, label: key.toUpperCase(), command: [key], source: key === 'shell' ? 'shell' : 'configured', available, reason: available ? undefined : `"${key}" was not found on PATH`,
});

describe('quick-input prompter', () => {
  const prompter = new QuickInputPrompter();

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeQuickOpen'));

  it('pick resolves to the accepted item, and to undefined when dismissed', async () => {
    const items = [{ label: 'one', value: 1 }, { label: 'two', value: 2 }];
    let answer = prompter.pick({ purpose: 'action', title: 'T', placeholder: 'P', items, activeIndex: 1 });
    await settle();
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual(await answer, 2);

    answer = prompter.pick({ purpose: 'action', title: 'T', placeholder: 'P', items });
    await settle();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.strictEqual(await answer, undefined);
  });

  it('pickTarget lists the available targets first, will not accept an unavailable one, and ends with "Add an agent…"', async () => {
    let settled = false;
    const answer = prompter.pickTarget({ title: 'Launch', targets: [target('ghost', false), target('shell', true)] }).finally(() => (settled = true));
    await settle();
    // The rows: shell, ghost (not available), "Add an agent…"; from the first, Previous wraps to the last.
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectPrevious');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectPrevious');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await settle();
    assert.strictEqual(settled, false, 'the picker stays open on an unavailable target');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual(await answer, ADD_AGENT);
  });

  it('pickBranch stays open on "New branch…" until a name is typed, and returns a listed branch', async () => {
    let settled = false;
    const answer = prompter.pickBranch({
      title: 'Create', repoRoot: '/r', local: [{ name: 'main' }, { name: 'topic' }], remote: ['origin/main'],
      validateNewBranch: async () => undefined,
    }).finally(() => (settled = true));
    await settle();
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await settle();
    assert.strictEqual(settled, false, '"New branch…" needs a name first');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.deepStrictEqual(await answer, { branch: 'topic', existing: true });
  });

  it('pickBranch shows a branch checked out in another worktree but will not accept it (C1)', async () => {
    let settled = false;
    const answer = prompter.pickBranch({
      title: 'Create', step: { step: 1, total: 2 }, repoRoot: '/r', local: [{ name: 'main', checkedOutAt: '~/r' }, { name: 'topic' }], remote: [],
      validateNewBranch: async () => undefined,
    }).finally(() => (settled = true));
    await settle();
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await settle();
    assert.strictEqual(settled, false, 'a branch checked out elsewhere cannot be chosen');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.deepStrictEqual(await answer, { branch: 'topic', existing: true });
  });

  it('pickBaseRef, the second step, goes back with its Back button', async () => {
    const answer = prompter.pickBaseRef({
      title: 'Start from', step: { step: 2, total: 2 }, branch: 'feature/x', defaultRef: 'main', local: ['main'], remote: [],
      validateRef: async () => undefined,
    });
    await settle();
    await vscode.commands.executeCommand('workbench.action.quickInputBack');
    assert.strictEqual(await answer, BACK);
  });
});
