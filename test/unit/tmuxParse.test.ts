import assert from 'node:assert/strict';
import { escapeArgument, escapeFormat, isNoServerError, isSupportedTmux, LIST_FORMAT, parseSessionListing, parseTmuxVersion } from '../../src/core/tmuxParse';

describe('tmux output parsers', () => {
  it('parses a list-sessions -F listing, with and without the owner marker', () => {
    const out = [
      'wts-0123456789abcdef\tabc\t1700000000123\t1700000000\t1700000050\t4242\t0\t1699999000\t0\t' + '\t'.repeat(10) + '\t/work/repo.worktrees/feat-x',
      'personal\t\t\t1700000001\t1700000002\t4343\t1\t1699999000\t1\t1700000002\tbash\thost\t' + '\t'.repeat(7) + '\t',
      '',
    ].join('\n');
    const l = parseSessionListing(out);
    assert.equal(l.serverRunning, true);
    assert.equal(l.serverStartedAt, 1699999000_000);
    assert.deepEqual(l.sessions[0], {
      name: 'wts-0123456789abcdef', owner: 'abc', createdStamp: 1700000000123, createdAt: 1700000000_000,
      activityAt: 1700000050_000, panePid: 4242, paneDead: false, bell: false, bellAt: undefined, worktree: '/work/repo.worktrees/feat-x',
      command: undefined, title: undefined, reported: undefined, summary: undefined, agentSessionId: undefined, launcher: undefined,
    });
    assert.equal(l.sessions[1].command, 'bash');
    assert.equal(l.sessions[1].owner, '');
    assert.equal(l.sessions[1].createdStamp, undefined);
    assert.equal(l.sessions[1].paneDead, true);
    assert.equal(l.sessions[1].bell, true);
    assert.equal(l.sessions[1].bellAt, 1700000002_000);
    assert.equal(l.sessions[1].worktree, undefined);
  });

  it('keeps a tab inside the worktree path and skips short lines', () => {
    const l = parseSessionListing('a\to\t1\t2\t3\t4\t0\t5\t0\t' + '\t'.repeat(10) + '\t/p/with\ttab\nbroken line\n');
    assert.equal(l.sessions.length, 1);
    assert.equal(l.sessions[0].worktree, '/p/with\ttab');
  });

  it('asks tmux for every field in one format string', () => {
    assert.equal(LIST_FORMAT.split('\t').length, 21);
    assert.match(LIST_FORMAT, /#\{@wts_owner\}/);
  });

  it('reads the state an agent reported (§8), and ignores a value that is not a state', () => {
    const fields = (state: string) => ['wts-0123456789abcdef-claude', 'abc', '1700000000123', '1700000000', '1700000050', '4242', '0', '1699999000', '0', '',
      'node', '✳ Fix the bug', state, '1700000040', 'hook', 'Claude needs your permission to use Bash', '1700000000123', 'fix the login bug', 'abc-123', 'w1-aa', ''].join('\t');
    const s = parseSessionListing(fields('waiting')).sessions[0];
    assert.deepEqual(s.reported, { state: 'waiting', at: 1700000040_000, source: 'hook', note: 'Claude needs your permission to use Bash', generation: 1700000000123 });
    assert.equal(s.title, '✳ Fix the bug');
    assert.equal(s.summary, 'fix the login bug');
    assert.equal(s.agentSessionId, 'abc-123');
    assert.equal(s.launcher, 'w1-aa');
    assert.equal(parseSessionListing(fields('exploded')).sessions[0].reported, undefined);
  });

  it('recognises "no server" answers', () => {
    assert.ok(isNoServerError('no server running on /tmp/tmux-0/x'));
    assert.ok(isNoServerError('error connecting to /tmp/tmux-0/x (No such file or directory)'));
    assert.ok(isNoServerError('server exited unexpectedly'));
    assert.ok(!isNoServerError("can't find session: x"));
  });

  it('parses tmux -V and applies the 3.2 minimum', () => {
    const cases: Array<[string, boolean | undefined]> = [
      ['tmux 3.3a\n', true], ['tmux 3.2', true], ['tmux 3.1c', false], ['tmux 2.9', false],
      ['tmux next-3.5', true], ['tmux master', true], ['tmux openbsd-7.4', true], ['something else', undefined],
    ];
    for (const [raw, ok] of cases) {
      const v = parseTmuxVersion(raw);
      assert.equal(v === undefined ? undefined : isSupportedTmux(v), ok, raw);
    }
  });

  it('escapes every "#" for a format, except a run right before "[" that tmux keeps as it is', () => {
    assert.equal(escapeFormat('/work/repo'), '/work/repo');
    assert.equal(escapeFormat('/a/fix-#(touch x)'), '/a/fix-##(touch x)');
    assert.equal(escapeFormat('C#Sharp #{session_name} ##'), 'C##Sharp ##{session_name} ####');
    assert.equal(escapeFormat('#[fg=red]##[x]#'), '#[fg=red]##[x]##');
  });

  it('escapes a final ";" so tmux does not end its command there', () => {
    assert.equal(escapeArgument('echo hi'), 'echo hi');
    assert.equal(escapeArgument('echo hi;'), 'echo hi\\;');
    assert.equal(escapeArgument(';'), '\\;');
    assert.equal(escapeArgument('a\\;'), 'a\\\\;');
    assert.equal(escapeArgument('a;b'), 'a;b');
  });
});
