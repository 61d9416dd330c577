// Finishing the work (SPEC §10), each command through its argument object in
// the real extension host with real git: a bare repository as the remote
// (reached through url.<base>.insteadOf, so origin's URL is a GitHub one), a
// fake GitHub CLI on PATH, a conflict in each merge mode, a dirty base refused.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiWorkspace } from '../../src/vscode/api';
import type { BranchRequest, PickManyItem } from '../../src/vscode/prompts/prompter';
import type { TreeNode } from '../../src/vscode/tree/nodes';
import { waitFor } from './helpers';
import { cleanUp, create, git, makeRepo, readyApi, run, ScriptedPrompter, waitForRow, workspace, type Api } from './fixtures';

const PR_URL = 'https://github.com/acme/widget/pull/17';

function commit(cwd: string, file: string, content: string, message = `Change ${file}`): void {
  fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
  fs.writeFileSync(path.join(cwd, file), content);
  git(cwd, 'add', '--', file);
  git(cwd, 'commit', '--quiet', '-m', message);
}

/** A folder with a fake `gh` that records its argv; `signedIn` decides `gh auth status`. */
function fakeGh(signedIn: boolean): { bin: string; log: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'wts-fake-gh-'));
  const log = path.join(bin, 'argv.log');
  fs.writeFileSync(path.join(bin, 'gh'), [
    '#!/bin/sh',
    `for a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done`,
    `echo '--' >> '${log}'`,
    'case "$1" in',
    signedIn ? '  auth) exit 0 ;;' : '  auth) echo "You are not logged into any GitHub hosts." >&2; exit 1 ;;',
    `  pr) echo "${PR_URL}"; exit 0 ;;`,
    'esac',
    'exit 2',
    '',
  ].join('\n'), { mode: 0o755 });
  return { bin, log };
}

/** Runs `fn` with `bin` first on the extension host's PATH (the extension finds gh there). */
async function withPath<T>(bin: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

describe('finishing the work (SPEC §10)', function () {
  this.timeout(90_000);
  let api: Api;
  let repo: string;
  let bare: string;
  let name: string;

  before(async () => {
    api = await readyApi();
    repo = makeRepo('finish');
    name = path.basename(repo);
    bare = path.join(path.dirname(repo), 'widget.git');
    git(path.dirname(repo), 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(repo, 'remote', 'add', 'origin', 'https://github.com/acme/widget.git');
    git(repo, 'config', `url.${path.join(path.dirname(repo), 'widget')}.insteadOf`, 'https://github.com/acme/widget');
    git(repo, 'push', '--quiet', 'origin', 'main');
  });

  afterEach(() => api._test.setPrompter(undefined));

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await cleanUp(api, [repo]);
  });

  async function nodeOf(predicate: (n: TreeNode) => boolean): Promise<TreeNode> {
    const walk = (nodes: TreeNode[]): TreeNode | undefined => {
      for (const n of nodes) {
        if (predicate(n)) return n;
        const inner = walk(n.children());
        if (inner) return inner;
      }
      return undefined;
    };
    return waitFor(async () => walk(await api._test.tree.getChildren()), 'the tree row');
  }

  it('reviewChanges { workspaceId } returns every changed path and opens the multi-file diff editor', async () => {
    const w = await create(repo, 'feature/review');
    commit(w.worktreePath, 'src/committed.txt', 'committed\n');
    fs.appendFileSync(path.join(w.worktreePath, 'README.md'), 'edited\n');
    fs.writeFileSync(path.join(w.worktreePath, 'untracked.txt'), 'new\n');
    const result = await run<{ files: string[] }>('reviewChanges', { workspaceId: w.id });
    assert.deepStrictEqual(result, { files: ['README.md', 'src/committed.txt', 'untracked.txt'] });
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label.startsWith('feature/review ↔ main')), 'the diff editor tab');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await assert.rejects(run('reviewChanges', {}), /reviewChanges needs "workspaceId"/);

    // The old side comes from our content provider, and only for a repository the extension works with.
    const left = (repoRoot: string) => vscode.Uri.from({ scheme: 'worktree-sessions-git', path: path.join(repoRoot, 'README.md'), query: JSON.stringify({ repo: repoRoot, commit: git(repoRoot, 'rev-parse', 'main'), file: 'README.md' }) });
    assert.strictEqual((await vscode.workspace.openTextDocument(left(repo))).getText(), fs.readFileSync(path.join(repo, 'README.md'), 'utf8'));
    const stranger = makeRepo('stranger');
    assert.strictEqual((await vscode.workspace.openTextDocument(left(stranger))).getText(), '', 'a repository it does not know is not read');
    fs.rmSync(path.dirname(stranger), { recursive: true, force: true });
  });

  it('the workspace row shows commits ahead of and behind its base', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/review')!;
    commit(repo, 'docs/main-only.txt', 'main\n');
    api._test.tree.statsMayHaveChanged();
    await waitForRow(api, [name, 'feature/review'], 'the ahead/behind counts', (row) => /↑1 ↓1/.test(row.description ?? ''));
    git(w.worktreePath, 'reset', '--quiet', '--hard');
    fs.rmSync(path.join(w.worktreePath, 'untracked.txt'));
  });

  for (const mode of ['merge', 'squash', 'rebase'] as const) {
    it(`mergeIntoBase { workspaceId, mode: '${mode}' } merges into main; a conflict returns the files and changes nothing`, async () => {
      const ok = await create(repo, `feature/${mode}-ok`);
      commit(ok.worktreePath, `src/${mode}.txt`, `${mode}\n`);
      assert.deepStrictEqual(await run('mergeIntoBase', { workspaceId: ok.id, mode }), { merged: true });
      assert.strictEqual(fs.readFileSync(path.join(repo, `src/${mode}.txt`), 'utf8'), `${mode}\n`, 'main\'s worktree has the change');
      assert.strictEqual(git(repo, 'status', '--porcelain'), '');

      const clash = await create(repo, `feature/${mode}-clash`);
      commit(clash.worktreePath, 'conflict.txt', `${mode} from the branch\n`);
      commit(repo, 'conflict.txt', `${mode} from main\n`);
      const before = [git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', `feature/${mode}-clash`), git(repo, 'worktree', 'list', '--porcelain')];
      assert.deepStrictEqual(await run('mergeIntoBase', { workspaceId: clash.id, mode }), { merged: false, conflicts: ['conflict.txt'] });
      assert.deepStrictEqual([git(repo, 'rev-parse', 'main'), git(repo, 'rev-parse', `feature/${mode}-clash`), git(repo, 'worktree', 'list', '--porcelain')], before);
      assert.strictEqual(git(repo, 'status', '--porcelain'), '');
      assert.strictEqual(git(clash.worktreePath, 'status', '--porcelain'), '');
      assert.ok(!fs.existsSync(path.join(repo, '.git', 'MERGE_HEAD')));
      git(repo, 'rm', '--quiet', 'conflict.txt');
      git(repo, 'commit', '--quiet', '-m', 'Clean up the conflict');
    });
  }

  it('mergeIntoBase refuses a dirty base worktree and an unknown mode, changing nothing', async () => {
    const w = await create(repo, 'feature/dirty-base');
    commit(w.worktreePath, 'src/dirty-base.txt', 'x\n');
    fs.appendFileSync(path.join(repo, 'README.md'), 'work in progress\n');
    const main = git(repo, 'rev-parse', 'main');
    await assert.rejects(run('mergeIntoBase', { workspaceId: w.id, mode: 'merge' }), /"main" is checked out in .*uncommitted changes \(README\.md\)/);
    assert.strictEqual(git(repo, 'rev-parse', 'main'), main);
    git(repo, 'checkout', '--quiet', '--', 'README.md');
    await assert.rejects(run('mergeIntoBase', { workspaceId: w.id, mode: 'octopus' }), /"mode" must be one of merge, squash, rebase/);
    await assert.rejects(run('mergeIntoBase', { workspaceId: w.id }), /mergeIntoBase needs "mode"/);
  });

  it('createPullRequest { workspaceId } pushes with upstream and returns the URL from a signed-in gh', async () => {
    const w = await create(repo, 'feature/pr');
    commit(w.worktreePath, 'src/pr.txt', 'pr\n');
    const gh = fakeGh(true);
    const result = await withPath(gh.bin, () => run('createPullRequest', { workspaceId: w.id }));
    assert.deepStrictEqual(result, { url: PR_URL });
    assert.strictEqual(git(bare, 'rev-parse', 'refs/heads/feature/pr'), git(w.worktreePath, 'rev-parse', 'HEAD'));
    assert.strictEqual(git(w.worktreePath, 'rev-parse', '--abbrev-ref', '@{upstream}'), 'origin/feature/pr');
    assert.match(fs.readFileSync(gh.log, 'utf8'), /^pr\ncreate\n--repo\ngithub\.com\/acme\/widget\n--head\nfeature\/pr\n--base\nmain\n--fill\n/m);
    fs.rmSync(gh.bin, { recursive: true, force: true });
  });

  it('createPullRequest { workspaceId } returns the compare URL when gh is not signed in', async () => {
    const w = await create(repo, 'feature/compare');
    commit(w.worktreePath, 'src/compare.txt', 'compare\n');
    const gh = fakeGh(false);
    const result = await withPath(gh.bin, () => run('createPullRequest', { workspaceId: w.id }));
    assert.deepStrictEqual(result, { url: 'https://github.com/acme/widget/compare/main...feature/compare?expand=1' });
    assert.ok(!/^pr$/m.test(fs.readFileSync(gh.log, 'utf8')), 'gh was not asked to create it');
    fs.rmSync(gh.bin, { recursive: true, force: true });
  });

  it('createWorkspaceFromPullRequest { repoRoot, pr } fetches refs/pull/N/head into pr/N; a number, #N and a URL name the same one', async () => {
    git(repo, 'checkout', '--quiet', '-b', 'contributor');
    commit(repo, 'contribution.txt', 'from a fork\n');
    const head = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'push', '--quiet', 'origin', 'contributor');
    git(bare, 'update-ref', 'refs/pull/5/head', head);
    git(bare, 'update-ref', '-d', 'refs/heads/contributor');
    git(repo, 'checkout', '--quiet', 'main');
    git(repo, 'branch', '--quiet', '-D', 'contributor');

    const w = await run<ApiWorkspace>('createWorkspaceFromPullRequest', { repoRoot: repo, pr: 5 });
    assert.strictEqual(w.branch, 'pr/5');
    assert.strictEqual(w.status, 'ready');
    assert.strictEqual(w.baseRef, 'origin/main');
    assert.strictEqual(git(w.worktreePath, 'rev-parse', 'HEAD'), head);
    assert.strictEqual((await run<ApiWorkspace>('createWorkspaceFromPullRequest', { repoRoot: repo, pr: '#5' })).id, w.id);
    assert.strictEqual((await run<ApiWorkspace>('createWorkspaceFromPullRequest', { repoRoot: repo, pr: 'https://github.com/acme/widget/pull/5' })).id, w.id);
    await assert.rejects(run('createWorkspaceFromPullRequest', { repoRoot: repo, pr: '--upload-pack=touch /tmp/x' }), /is not a pull request/);
    await assert.rejects(run('createWorkspaceFromPullRequest', { repoRoot: repo }), /needs "pr"/);
  });

  it('the create quick pick offers a typed "#N" as a pull request', async () => {
    git(bare, 'update-ref', 'refs/pull/6/head', git(repo, 'rev-parse', 'main'));
    const prompter = new ScriptedPrompter().answerBranch({ branch: '', existing: true, pullRequest: '#6' });
    api._test.setPrompter(prompter);
    const w = await run<ApiWorkspace>('createWorkspace', await nodeOf((n) => n.target.repoRoot === repo && !n.target.workspaceId && !n.target.ref));
    assert.strictEqual(w.branch, 'pr/6');
    const request = prompter.calls[0].request as BranchRequest;
    assert.match(request.pullRequest!('#6') ?? '', /pull request #6/);
    assert.strictEqual(request.pullRequest!('feature/x'), undefined, 'a branch name is not a pull request');
  });

  it('findLeftovers { repoRoot } lists leftovers in the shape of SPEC §6, with disk usage', async () => {
    const w = await create(repo, 'feature/finished');
    commit(w.worktreePath, 'src/finished.txt', 'done\n');
    assert.deepStrictEqual(await run('mergeIntoBase', { workspaceId: w.id, mode: 'merge' }), { merged: true });
    const found = await run<Record<string, unknown>[]>('findLeftovers', { repoRoot: repo });
    const finished = found.find((l) => l.branch === 'feature/finished')!;
    assert.deepStrictEqual(Object.keys(finished).sort(), ['branch', 'bytes', 'kind', 'path', 'reason', 'safe']);
    assert.strictEqual(finished.kind, 'merged-workspace');
    assert.strictEqual(finished.safe, true);
    assert.ok((finished.bytes as number) > 0);
    for (const l of found) {
      assert.ok(Object.keys(l).every((k) => ['kind', 'path', 'branch', 'ref', 'bytes', 'reason', 'safe'].includes(k)), JSON.stringify(l));
    }
    await assert.rejects(run('findLeftovers', { repoRoot: path.join(os.tmpdir(), 'no-such-repo') }), /does not exist/);
  });

  it('cleanUp: one multi-select list, safe items selected; unsafe ones need the modal; removal goes through the safe delete', async () => {
    const dirty = await create(repo, 'feature/finished-dirty');
    commit(dirty.worktreePath, 'src/finished-dirty.txt', 'done\n');
    await run('mergeIntoBase', { workspaceId: dirty.id, mode: 'merge' });
    fs.writeFileSync(path.join(dirty.worktreePath, 'notes.txt'), 'not committed\n');
    let offered: readonly PickManyItem<unknown>[] = [];
    const prompter = new ScriptedPrompter()
      .answerPickMany((items) => {
        offered = items;
        return items.filter((i) => /feature\/finished/.test(i.label));
      })
      .answerConfirm('Remove Only the Safe Ones');
    api._test.setPrompter(prompter);
    const result = await run<{ removed: { branch?: string }[]; kept: { branch?: string; message: string }[] }>('cleanUp', await nodeOf((n) => n.target.repoRoot === repo && !n.target.workspaceId && !n.target.ref));
    const finished = offered.find((i) => i.label === 'feature/finished')!;
    const finishedDirty = offered.find((i) => i.label === 'feature/finished-dirty')!;
    assert.strictEqual(finished.picked, true, 'a safe item is selected');
    assert.strictEqual(finishedDirty.picked, false, 'an unsafe one is not');
    assert.match(finishedDirty.detail ?? '', /uncommitted change/);
    assert.match(finished.description ?? '', /\d+(\.\d)? (B|KB|MB)/, 'with its disk usage');
    assert.deepStrictEqual(result.removed.map((r) => r.branch), ['feature/finished']);
    assert.deepStrictEqual(result.kept.map((k) => k.branch), ['feature/finished-dirty']);
    assert.strictEqual(git(repo, 'branch', '--list', 'feature/finished'), '', 'D6 deleted the merged branch');
    assert.ok(fs.existsSync(path.join(dirty.worktreePath, 'notes.txt')), 'nothing dirty was lost');
  });

  it('saved changes show under their repository; showSavedChanges, restoreSavedChanges and dropSavedChanges { ref }', async () => {
    const first = await create(repo, 'feature/saved');
    commit(first.worktreePath, 'src/saved.txt', 'committed\n');
    fs.appendFileSync(path.join(first.worktreePath, 'README.md'), 'unsaved work\n');
    fs.writeFileSync(path.join(first.worktreePath, 'scratch.txt'), 'scratch\n');
    const deleted = await run<{ savedChanges: { ref: string } }>('deleteWorkspace', { workspaceId: first.id, force: true });
    const ref = deleted.savedChanges.ref;
    const row = await waitForRow(api, [name, 'Saved Changes', 'feature-saved'], 'the saved changes row');
    assert.strictEqual(row.contextValue, 'savedChange');

    assert.deepStrictEqual(await run('showSavedChanges', { ref }), { files: ['README.md', 'scratch.txt'] });
    const restored = await run<ApiWorkspace>('restoreSavedChanges', { ref });
    assert.strictEqual(restored.branch, 'feature/saved', 'the original branch, which D6 kept');
    assert.strictEqual(git(restored.worktreePath, 'diff', '--name-only'), 'README.md', 'uncommitted, unstaged');
    assert.strictEqual(git(restored.worktreePath, 'diff', '--cached', '--name-only'), '');
    assert.strictEqual(git(restored.worktreePath, 'ls-files', '--others', '--exclude-standard'), 'scratch.txt');
    assert.strictEqual(git(repo, 'for-each-ref', ref), '', 'restored, so no longer saved');

    fs.writeFileSync(path.join(restored.worktreePath, 'again.txt'), 'again\n');
    const second = await run<{ savedChanges: { ref: string } }>('deleteWorkspace', { workspaceId: restored.id, force: true });
    api._test.setPrompter(new ScriptedPrompter().answerConfirm(undefined));
    const node = await nodeOf((n) => n.target.ref === second.savedChanges.ref);
    assert.deepStrictEqual(await run('dropSavedChanges', node), { dropped: false }, 'Cancel keeps them');
    assert.deepStrictEqual(await run('dropSavedChanges', { ref: second.savedChanges.ref }), { dropped: true });
    assert.strictEqual(git(repo, 'for-each-ref', 'refs/worktree-sessions/saved/'), '');
    await assert.rejects(run('restoreSavedChanges', { ref: 'refs/heads/main' }), /is not a saved-changes ref/);
  });

  it('adoptWorktree { repoRoot, path } makes a worktree made by hand a workspace, where it is', async () => {
    const folder = path.join(path.dirname(repo), 'by-hand');
    git(repo, 'worktree', 'add', '--quiet', '-b', 'by-hand', folder);
    const w = await run<ApiWorkspace>('adoptWorktree', { repoRoot: repo, path: folder });
    assert.strictEqual(w.branch, 'by-hand');
    assert.strictEqual(fs.realpathSync(w.worktreePath), fs.realpathSync(folder));
    assert.strictEqual((await workspace(api, w.id))!.status, 'ready');
  });

  it('openInThisWindow refuses a workspace whose worktree is missing', async () => {
    const w = await create(repo, 'feature/vanished');
    fs.rmSync(w.worktreePath, { recursive: true, force: true });
    await waitFor(async () => (await workspace(api, w.id))?.status === 'missing', 'the workspace to show as missing');
    await assert.rejects(run('openInThisWindow', { workspaceId: w.id }), /is missing/);
  });

  it('addToWorkspace { workspaceId } adds the worktree as a folder, once; it never claims an addition VS Code refused', async () => {
    const w = (await api.listWorkspaces()).find((x) => x.branch === 'feature/review')!;
    if (!vscode.workspace.workspaceFile) {
      // The test window is opened on one folder, and VS Code refuses to enter a multi-root workspace in tests.
      await assert.rejects(run('addToWorkspace', { workspaceId: w.id }), /VS Code did not add .* to this workspace/);
      return;
    }
    assert.deepStrictEqual(await run('addToWorkspace', { workspaceId: w.id }), { added: true });
    const folders = vscode.workspace.workspaceFolders ?? [];
    const index = folders.findIndex((f) => fs.realpathSync(f.uri.fsPath) === fs.realpathSync(w.worktreePath));
    assert.strictEqual(folders[index].name, `feature/review · ${name}`);
    assert.deepStrictEqual(await run('addToWorkspace', { workspaceId: w.id }), { added: false });
    vscode.workspace.updateWorkspaceFolders(index, 1);
  });
});
