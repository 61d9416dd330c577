// The prompter users see, driven through VS Code's own quick-input commands.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { LaunchTarget } from '../../src/core';
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

  it('pickTarget lists the available targets first and will not accept an unavailable one', async () => {
    let settled = false;
    const answer = prompter.pickTarget({ title: 'Launch', targets: [target('ghost', false), target('shell', true)] }).finally(() => (settled = true));
    await settle();
    // The last row is the unavailable target.
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectPrevious');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await settle();
    assert.strictEqual(settled, false, 'the picker stays open on an unavailable target');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual((await answer)?.key, 'shell');
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
});
