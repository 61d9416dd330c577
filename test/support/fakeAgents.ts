// Fake coding agents that behave like the real ones through their documented
// interfaces only: a `claude` that runs the hook commands of the file given
// with --settings (JSON on standard input, through the shell), and a `codex`
// that runs its notify program (from -c notify=[…]) with the event's JSON as
// its last argument. Each reads "commands" typed into its terminal, and logs
// its argv to starts.jsonl beside its folder (the tmux server passes a session
// only an allowlist of variables, so no variable could name that file).
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './fixtures';

const FAKE_CLAUDE = String.raw`#!/usr/bin/env node
const fs = require('fs');
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
fs.appendFileSync(require('path').join(__dirname, '..', 'starts.jsonl'), JSON.stringify({ agent: 'claude', argv }) + '\n');
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const settings = opt('--settings') ? JSON.parse(fs.readFileSync(opt('--settings'), 'utf8')) : {};
const sessionId = opt('--resume') || 'fake-' + Math.random().toString(16).slice(2, 10);
function hook(event, fields, toolName) {
  for (const group of (settings.hooks && settings.hooks[event]) || []) {
    if (toolName && group.matcher && group.matcher !== '*' && !new RegExp(group.matcher).test(toolName)) continue;
    for (const h of group.hooks || []) {
      if (h.type !== 'command') continue;
      const input = JSON.stringify({ session_id: sessionId, transcript_path: '/tmp/fake.jsonl', cwd: process.cwd(), hook_event_name: event, ...fields });
      spawnSync('/bin/sh', ['-c', h.command], { input, stdio: ['pipe', 'ignore', 'inherit'], timeout: (h.timeout || 60) * 1000 });
    }
  }
}
hook('SessionStart', { source: opt('--resume') ? 'resume' : 'startup' });
process.stdout.write('fake claude ready\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(' ');
  const text = rest.join(' ');
  if (cmd === 'prompt') {
    hook('UserPromptSubmit', { prompt: text.replace(/\\n/g, '\n') });
    hook('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' } }, 'Bash');
    process.stdout.write('working on ' + text + '\n');
    hook('PostToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: {} }, 'Bash');
  } else if (cmd === 'ask') {
    hook('Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
  } else if (cmd === 'idle') {
    hook('Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' });
  } else if (cmd === 'stop') {
    hook('Stop', { stop_hook_active: false });
  } else if (cmd === 'say') {
    process.stdout.write(text + '\n');
  } else if (cmd === 'exit') {
    hook('SessionEnd', { reason: 'prompt_input_exit' });
    process.exit(0);
  }
});
`;

const FAKE_CODEX = String.raw`#!/usr/bin/env node
const fs = require('fs');
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
fs.appendFileSync(require('path').join(__dirname, '..', 'starts.jsonl'), JSON.stringify({ agent: 'codex', argv }) + '\n');
let notify;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '-c' && argv[i + 1] && argv[i + 1].startsWith('notify=')) notify = JSON.parse(argv[i + 1].slice('notify='.length));
}
const positional = argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '-c');
const threadId = positional[0] === 'resume' && positional[1] ? positional[1] : 'thread-' + Math.random().toString(16).slice(2, 10);
let turn = 0;
process.stdout.write('fake codex ready\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(' ');
  const text = rest.join(' ');
  if (cmd === 'prompt') {
    process.stdout.write('codex working on ' + text + '\n');
    if (!notify) return;
    const event = { type: 'agent-turn-complete', 'thread-id': threadId, 'turn-id': String(++turn), cwd: process.cwd(), 'input-messages': [text], 'last-assistant-message': 'Done: ' + text };
    spawnSync(notify[0], [...notify.slice(1), JSON.stringify(event)], { stdio: 'ignore' });
  } else if (cmd === 'say') {
    process.stdout.write(text + '\n');
  }
});
`;

export interface FakeAgents {
  /** A folder to put first on PATH. */
  bin: string;
  /** Each start of a fake agent appends { agent, argv } here (starts.jsonl). */
  log: string;
  starts(): Array<{ agent: string; argv: string[] }>;
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function fakeAgents(): FakeAgents {
  const dir = tempDir('wts-fake-agents-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'claude'), FAKE_CLAUDE, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'codex'), FAKE_CODEX, { mode: 0o755 });
  const log = path.join(dir, 'starts.jsonl');
  return {
    bin,
    log,
    starts: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    env: (base) => ({ ...base, PATH: `${bin}${path.delimiter}${base.PATH ?? ''}` }),
  };
}
