// The pure parsers of the finishing work (SPEC §10): git output, remote URLs
// and pull-request references, which are all treated as hostile input.
import assert from 'node:assert/strict';
import { squashMessage } from '../../src/core/finish/merge';
import { pullRequestUrlIn } from '../../src/core/finish/pullRequest';
import { compareUrl, looksLikePullRequest, parsePullRequest, parseRemoteUrl } from '../../src/core/finish/remoteUrl';
import { parseLeftRight, parseNameStatus } from '../../src/core/finish/review';
import { parseSavedName } from '../../src/core/finish/savedChanges';

describe('finishing: parsers', () => {
  it('parses diff --name-status -z with renames, copies, additions and deletions', () => {
    const out = 'M\0src/a.ts\0A\0new file.txt\0D\0gone.txt\0R087\0old/name.ts\0new/name.ts\0C100\0orig.txt\0copy.txt\0T\0link\0';
    assert.deepEqual(parseNameStatus(out), [
      { path: 'src/a.ts', kind: 'modified' },
      { path: 'new file.txt', kind: 'added' },
      { path: 'gone.txt', kind: 'deleted' },
      { path: 'new/name.ts', kind: 'renamed', originalPath: 'old/name.ts' },
      { path: 'copy.txt', kind: 'added' },
      { path: 'link', kind: 'modified' },
    ]);
    assert.deepEqual(parseNameStatus(''), []);
    // A truncated record is dropped, not misread.
    assert.deepEqual(parseNameStatus('M\0a\0R100\0only-one\0'), [{ path: 'a', kind: 'modified' }]);
  });

  it('parses rev-list --left-right --count as behind, then ahead', () => {
    assert.deepEqual(parseLeftRight('3\t5\n'), { behind: 3, ahead: 5 });
    assert.equal(parseLeftRight('fatal'), undefined);
  });

  it('parses the remote URL forms git accepts, and drops credentials', () => {
    const gh = { host: 'github.com', path: 'acme/widget', kind: 'github', scheme: 'https' };
    assert.deepEqual(parseRemoteUrl('git@github.com:acme/widget.git'), gh);
    assert.deepEqual(parseRemoteUrl('github.com:acme/widget'), gh);
    assert.deepEqual(parseRemoteUrl('ssh://git@github.com/acme/widget.git'), gh);
    assert.deepEqual(parseRemoteUrl('ssh://git@ssh.github.com:443/acme/widget.git'), gh);
    assert.deepEqual(parseRemoteUrl('https://github.com/acme/widget'), gh);
    assert.deepEqual(parseRemoteUrl('https://x-access-token:ghp_SECRET@github.com/acme/widget.git/'), gh);
    assert.deepEqual(parseRemoteUrl('git://github.com/acme/widget.git'), gh);
    assert.deepEqual(parseRemoteUrl('https://gitlab.example.com:8443/group/sub/proj.git'), { host: 'gitlab.example.com:8443', path: 'group/sub/proj', kind: 'gitlab', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('git@bitbucket.org:team/repo.git'), { host: 'bitbucket.org', path: 'team/repo', kind: 'bitbucket', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('http://git.internal/team/repo.git'), { host: 'git.internal', path: 'team/repo', kind: undefined, scheme: 'http' });
  });

  it('refuses remote URLs that are local paths, odd schemes or smuggle characters', () => {
    for (const bad of [
      '/srv/git/repo.git', '../repo', 'file:///srv/repo.git', 'C:/repos/x', 'javascript:alert(1)//github.com/a/b',
      'https://github.com/acme/../../evil', 'https://github.com/acme/wid get', 'https://github.com/acme/widget\n.evil.com',
      'https://github.com/onlyone', 'ext::sh -c touch% /tmp/pwned', 'https://github.com/a/%2e%2e', '',
    ]) {
      assert.equal(parseRemoteUrl(bad), undefined, bad);
    }
  });

  it('builds compare URLs with each branch segment encoded, for GitHub, GitLab and Bitbucket only', () => {
    const gh = parseRemoteUrl('git@github.com:acme/widget.git')!;
    assert.equal(compareUrl(gh, 'feat/login#2', 'main'), 'https://github.com/acme/widget/compare/main...feat/login%232?expand=1');
    assert.equal(compareUrl(gh, 'x?y=1&z'), 'https://github.com/acme/widget/compare/x%3Fy%3D1%26z?expand=1');
    const gl = parseRemoteUrl('https://gitlab.com/g/p.git')!;
    assert.equal(compareUrl(gl, 'feat/a', 'main'), 'https://gitlab.com/g/p/-/merge_requests/new?merge_request%5Bsource_branch%5D=feat%2Fa&merge_request%5Btarget_branch%5D=main');
    assert.equal(compareUrl(parseRemoteUrl('git@bitbucket.org:t/r.git')!, 'b'), 'https://bitbucket.org/t/r/pull-requests/new?source=b');
    assert.equal(compareUrl(parseRemoteUrl('https://git.internal/t/r.git')!, 'b'), undefined);
  });

  it('parses a pull request as a number, #N, N or a GitHub URL, and nothing else', () => {
    assert.deepEqual(parsePullRequest(42), { number: 42 });
    assert.deepEqual(parsePullRequest('#42'), { number: 42 });
    assert.deepEqual(parsePullRequest(' 42 '), { number: 42 });
    assert.deepEqual(parsePullRequest('https://github.com/acme/widget/pull/7/files'), { number: 7, repository: { host: 'github.com', path: 'acme/widget', kind: 'github', scheme: 'https' } });
    for (const bad of [0, -1, 1.5, 1e12, NaN, '0', '#', '42abc', '4 2', '--upload-pack=x', '1;rm -rf /', 'https://github.com/acme/widget/issues/7',
      'https://user:pw@github.com/a/b/pull/1', 'https://github.com/a/b/pull/1x', 'ftp://github.com/a/b/pull/1', null, undefined, {}, ['1']]) {
      assert.equal(parsePullRequest(bad), undefined, String(bad));
    }
    assert.equal(looksLikePullRequest('#12'), true);
    assert.equal(looksLikePullRequest('https://github.com/a/b/pull/12'), true);
    assert.equal(looksLikePullRequest('12'), false, 'a bare number could be a branch name');
    assert.equal(looksLikePullRequest('feature/x'), false);
  });

  it('trusts only a pull-request URL of the same repository in gh output', () => {
    const repo = parseRemoteUrl('git@github.com:acme/widget.git')!;
    assert.equal(pullRequestUrlIn('Creating pull request…\nhttps://github.com/acme/widget/pull/9\n', repo), 'https://github.com/acme/widget/pull/9');
    assert.equal(pullRequestUrlIn('https://evil.example/acme/widget/pull/9', repo), undefined);
    assert.equal(pullRequestUrlIn('see https://github.com/other/repo/pull/9', repo), undefined);
  });

  it('writes a squash message from the branch commits', () => {
    assert.equal(squashMessage('feat/a', ['Add login\n\nWith a form.\n']), 'Add login\n\nWith a form.');
    assert.equal(squashMessage('feat/a', ['One', 'Two\n\nBody line\n']), "Squashed 'feat/a' (2 commits)\n\n* One\n* Two\n\n  Body line");
  });

  it('reads the folder and the time from a saved-changes name', () => {
    assert.deepEqual(parseSavedName('feat-login-2026-11-29T18-28-53-123Z'), { label: 'feat-login', savedAt: Date.parse('2026-11-29T18:28:53.123Z') });
    assert.deepEqual(parseSavedName('handmade'), { label: 'handmade' });
  });
});
