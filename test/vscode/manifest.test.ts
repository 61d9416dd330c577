// package.json and the running extension agree: commands, menus, settings.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { BUILTIN_STATE_RULES, defaultSettings } from '../../src/core';
import { CommandId } from '../../src/vscode/commands/ids';
import { EXTENSION_ID } from './helpers';
import { readyApi } from './fixtures';

interface Manifest {
  activationEvents: string[];
  contributes: {
    viewsContainers: { activitybar: { id: string; title: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    commands: { command: string; title: string; category: string; icon?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string; key: string; mac?: string; when: string }[];
    viewsWelcome: { view: string; contents: string; when: string }[];
    configuration: { properties: Record<string, { default: unknown; scope?: string; markdownDescription?: string }> };
  };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
}

describe('manifest', () => {
  let manifest: Manifest;

  before(async () => {
    await readyApi();
    manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
  });

  it('declares exactly the commands the extension registers, and the other way round', async () => {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('worktreeSessions.') && !c.startsWith('worktreeSessions.workspaces')).sort();
    assert.deepStrictEqual(registered, declared);
    assert.deepStrictEqual(Object.values(CommandId).sort(), declared);
  });

  it('puts every command in the "Worktree Sessions" category with a codicon', () => {
    for (const c of manifest.contributes.commands) {
      assert.strictEqual(c.category, 'Worktree Sessions', c.command);
      assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, `${c.command} has no codicon`);
    }
  });

  it('menus only name declared commands', () => {
    const declared = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const e of entries) assert.ok(declared.has(e.command), `${menu} names ${e.command}`);
    }
  });

  it('has welcome views for no workspaces (with a create button), no repository and tmux missing or too old', () => {
    const when = manifest.contributes.viewsWelcome.map((v) => v.when);
    assert.ok(when.some((w) => /!worktreeSessions\.hasWorkspaces/.test(w) && /worktreeSessions\.hasRepository(?!\w)/.test(w) && !/!worktreeSessions\.hasRepository/.test(w)));
    assert.ok(when.some((w) => /!worktreeSessions\.hasRepository/.test(w)));
    assert.ok(when.some((w) => /worktreeSessions\.tmuxMissing/.test(w)));
    assert.ok(when.some((w) => /worktreeSessions\.tmuxTooOld/.test(w)));
    const create = manifest.contributes.viewsWelcome.find((v) => /(^|[^!])worktreeSessions\.hasRepository &&/.test(v.when))!;
    assert.match(create.contents, /\[Create Workspace\]\(command:worktreeSessions\.createWorkspace\)/);
  });

  it('declares every setting of SPEC §5, each with the default core reads from it', () => {
    const props = manifest.contributes.configuration.properties;
    const expected: Record<string, unknown> = {
      'worktreeSessions.worktreeRoot': defaultSettings.worktreeRoot,
      'worktreeSessions.agents': defaultSettings.agents,
      'worktreeSessions.disabledAgents': defaultSettings.disabledAgents,
      'worktreeSessions.copyFiles': defaultSettings.copyFiles,
      'worktreeSessions.setupCommand': defaultSettings.setupCommand,
      'worktreeSessions.setupTimeoutMinutes': defaultSettings.setupTimeoutMinutes,
      'worktreeSessions.portBase': defaultSettings.portBase,
      'worktreeSessions.deleteBranch': defaultSettings.deleteBranch,
      'worktreeSessions.tmux.path': defaultSettings.tmuxPath,
      'worktreeSessions.tmux.socketName': defaultSettings.socketName,
      // §8: the built-in rules apply to any key the setting does not list.
      'worktreeSessions.stateRules': BUILTIN_STATE_RULES,
      'worktreeSessions.notify': { waiting: true, done: true },
    };
    assert.deepStrictEqual(Object.keys(props).sort(), Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      // core's defaults come from here (src/core/model.ts): each key must exist with a default.
      assert.notStrictEqual(value, undefined, key);
      assert.ok(props[key].markdownDescription, `${key} has a description`);
    }
  });

  it('makes the settings that name commands machine-scoped, and restricts them in untrusted workspaces', () => {
    const props = manifest.contributes.configuration.properties;
    for (const key of ['worktreeSessions.agents', 'worktreeSessions.setupCommand', 'worktreeSessions.setupTimeoutMinutes', 'worktreeSessions.tmux.path']) {
      assert.strictEqual(props[key].scope, 'machine', key);
      assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), key);
    }
  });

  it('says in each machine-scoped setting\'s description where it can be set (issue 13 item 12)', () => {
    for (const [key, prop] of Object.entries(manifest.contributes.configuration.properties)) {
      if (prop.scope !== 'machine') continue;
      assert.match(prop.markdownDescription ?? '', /User settings, or under the Remote tab/, key);
    }
  });

  it('names the single view like its container, so its title is not cut to "WORKTREE SESSIONS: WOR…" (issue 13 item 13)', () => {
    const [container] = manifest.contributes.viewsContainers.activitybar;
    const [view] = manifest.contributes.views[container.id];
    assert.strictEqual(view.name, container.title);
  });

  it('binds Enter and Delete in the view only, to the selected row (issue 13 item 13)', () => {
    const bindings = manifest.contributes.keybindings;
    const enter = bindings.find((b) => b.key === 'enter')!;
    const del = bindings.find((b) => b.key === 'delete')!;
    assert.strictEqual(enter.command, CommandId.openSelected);
    assert.strictEqual(del.command, CommandId.deleteSelected);
    for (const b of [enter, del]) {
      assert.match(b.when, /focusedView == worktreeSessions\.workspaces/);
      assert.match(b.when, /!inputFocus/);
      assert.match(b.when, /worktreeSessions\.selectedRow =~/);
    }
    // Hidden from the palette: they only make sense with a row selected.
    for (const id of [CommandId.openSelected, CommandId.deleteSelected]) {
      assert.strictEqual(manifest.contributes.menus.commandPalette.find((m) => m.command === id)?.when, 'false', id);
    }
  });

  it('offers no "open the worktree" item on the row of the workspace this window is on, and every other one (issue 13 item 5)', () => {
    const matches = (when: string, viewItem: string) => {
      const m = /viewItem (==|=~) (\S+)/.exec(when);
      if (!m) return false;
      if (m[1] === '==') return m[2] === viewItem;
      const re = /^\/(.*)\/$/.exec(m[2])!;
      return new RegExp(re[1]).test(viewItem);
    };
    const items = manifest.contributes.menus['view/item/context'];
    const shown = (viewItem: string) => new Set(items.filter((i) => matches(i.when ?? '', viewItem)).map((i) => i.command));
    const elsewhere = shown('workspace.ready');
    const here = shown('workspace.ready.thisWindow');
    for (const id of [CommandId.openInNewWindow, CommandId.openInThisWindow, CommandId.addToWorkspace]) {
      assert.ok(elsewhere.has(id), id);
      assert.ok(!here.has(id), id);
    }
    assert.deepStrictEqual([...elsewhere].filter((id) => !here.has(id)).sort(), [CommandId.addToWorkspace, CommandId.openInNewWindow, CommandId.openInThisWindow].sort());
  });

  it('activates on startup (for the status bar) and its view, and nothing broader', () => {
    assert.deepStrictEqual([...manifest.activationEvents].sort(), ['onStartupFinished', 'onView:worktreeSessions.workspaces']);
  });
});
