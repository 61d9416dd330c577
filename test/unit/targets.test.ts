import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { resolveLaunchTargets } from '../../src/core/targets';
import { runCleanups, tempDir } from '../support/fixtures';

describe('launch targets', () => {
  afterEach(runCleanups);

  function binWith(...programs: string[]): string {
    const bin = tempDir('wts-bin-');
    for (const p of programs) fs.writeFileSync(path.join(bin, p), '#!/bin/sh\n', { mode: 0o755 });
    return bin;
  }

  it('offers built-ins found on PATH and lists the others with the reason', () => {
    const bin = binWith('claude', 'aider');
    const { targets } = resolveLaunchTargets({ agents: [], disabledAgents: [] }, { PATH: bin, SHELL: '/bin/sh' });
    const byKey = new Map(targets.map((t) => [t.key, t]));
    assert.deepEqual([...byKey.keys()], ['claude', 'codex', 'gemini', 'opencode', 'aider', 'shell']);
    assert.equal(byKey.get('claude')!.available, true);
    assert.equal(byKey.get('codex')!.available, false);
    assert.match(byKey.get('codex')!.reason!, /"codex" was not found on PATH/);
    // §8: the exact conversation when its id is known, the latest one otherwise.
    assert.deepEqual(byKey.get('claude')!.resumeCommand, ['claude', '--resume', '{sessionId}']);
    assert.deepEqual(byKey.get('claude')!.continueCommand, ['claude', '--continue']);
  });

  it('uses $SHELL for the shell target, else /bin/sh', () => {
    const bin = binWith('zsh');
    assert.deepEqual(resolveLaunchTargets({ agents: [], disabledAgents: [] }, { PATH: bin, SHELL: path.join(bin, 'zsh') }).targets.at(-1)!.command, [path.join(bin, 'zsh')]);
    assert.deepEqual(resolveLaunchTargets({ agents: [], disabledAgents: [] }, { PATH: bin }).targets.at(-1)!.command, ['/bin/sh']);
  });

  it('configured agents override built-ins by key; disabled built-ins are hidden; bad entries are reported', () => {
    const bin = binWith('my-claude', 'tool');
    const { targets, problems } = resolveLaunchTargets({
      agents: [
        { key: 'claude', label: 'My Claude', command: ['my-claude', '--fast'], env: { A: '1' } },
        { key: 'tool', command: ['tool'] },
        { key: 'bad key!', command: ['tool'] },
        { key: 'nocmd', command: [] },
        { key: 'shell', command: ['tool'] },
      ],
      disabledAgents: ['codex', 'gemini'],
    }, { PATH: bin, SHELL: '/bin/sh' });
    const keys = targets.map((t) => t.key);
    assert.deepEqual(keys, ['claude', 'opencode', 'aider', 'tool', 'shell']);
    const claude = targets[0];
    assert.deepEqual([claude.label, claude.command, claude.source, claude.available, claude.env], ['My Claude', ['my-claude', '--fast'], 'configured', true, { A: '1' }]);
    assert.equal(targets.find((t) => t.key === 'tool')!.label, 'tool');
    assert.deepEqual(problems.map((p) => p.key), ['bad key!', 'nocmd', 'shell']);
  });
});
