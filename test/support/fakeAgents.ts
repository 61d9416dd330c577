// Fake coding agents that behave like the real ones through their documented
// interfaces only: a `claude` that runs the hook commands of the file given
// with --settings (JSON on standard input, through the shell), a `codex`
// that runs its notify program (from -c notify=[…]) with the event's JSON as
// its last argument, a `gemini` that runs the hooks of the system defaults
// file GEMINI_CLI_SYSTEM_DEFAULTS_PATH names (timeouts in milliseconds), and
// an `opencode` that loads the plugins of OPENCODE_CONFIG_DIR/plugins and
// sends them its bus events. Each reads "commands" typed into its terminal, and logs
// its argv to starts.jsonl beside its folder (the tmux server passes a session
// only an allowlist of variables, so no variable could name that file).
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './fixtures';

/**
 * The hooks Claude Code and Gemini CLI both document: each matching command of
 * the settings' hooks runs through the shell with the event's JSON on standard
 * input. Whatever a hook writes to standard output is shown (Gemini reads it as
 * JSON, Claude adds some of it to the conversation), so a test can see it.
 */
const hookRunner = (transcript: string, timeoutMs: string): string => String.raw`
function hook(event, fields, toolName) {
  for (const group of (settings.hooks && settings.hooks[event]) || []) {
    if (toolName && group.matcher && group.matcher !== '*' && !new RegExp(group.matcher).test(toolName)) continue;
    for (const h of group.hooks || []) {
      if (h.type !== 'command') continue;
      const input = JSON.stringify({ session_id: sessionId, transcript_path: '${transcript}', cwd: process.cwd(), hook_event_name: event, timestamp: new Date().toISOString(), ...fields });
      const r = spawnSync('/bin/sh', ['-c', h.command], { input, stdio: ['pipe', 'pipe', 'inherit'], timeout: ${timeoutMs} });
      if (r.stdout && r.stdout.length) process.stdout.write('hook wrote to stdout: ' + r.stdout + '\n');
    }
  }
}
`;

const FAKE_CLAUDE = String.raw`#!/usr/bin/env node
const fs = require('fs');
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
fs.appendFileSync(require('path').join(__dirname, '..', 'starts.jsonl'), JSON.stringify({ agent: 'claude', argv }) + '\n');
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const settings = opt('--settings') ? JSON.parse(fs.readFileSync(opt('--settings'), 'utf8')) : {};
const sessionId = opt('--resume') || 'fake-' + Math.random().toString(16).slice(2, 10);
` + hookRunner('/tmp/fake.jsonl', '(h.timeout || 60) * 1000') + String.raw`hook('SessionStart', { source: opt('--resume') ? 'resume' : 'startup' });
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

const FAKE_GEMINI = String.raw`#!/usr/bin/env node
const fs = require('fs');
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
const defaultsPath = process.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH;
fs.appendFileSync(require('path').join(__dirname, '..', 'starts.jsonl'), JSON.stringify({ agent: 'gemini', argv, defaultsPath }) + '\n');
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const settings = defaultsPath && fs.existsSync(defaultsPath) ? JSON.parse(fs.readFileSync(defaultsPath, 'utf8')) : {};
const sessionId = opt('--resume') || 'gem-' + Math.random().toString(16).slice(2, 10);
` + hookRunner('/tmp/fake-gemini.json', 'h.timeout || 60000') + String.raw`hook('SessionStart', { source: opt('--resume') ? 'resume' : 'startup' });
process.stdout.write('fake gemini ready\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...rest] = line.trim().split(' ');
  const text = rest.join(' ');
  if (cmd === 'prompt') {
    hook('BeforeAgent', { prompt: text });
    hook('BeforeTool', { tool_name: 'run_shell_command', tool_input: { command: 'ls' } }, 'run_shell_command');
    process.stdout.write('gemini working on ' + text + '\n');
    hook('AfterTool', { tool_name: 'run_shell_command', tool_input: { command: 'ls' }, tool_response: {} }, 'run_shell_command');
  } else if (cmd === 'ask') {
    hook('Notification', { notification_type: 'ToolPermission', message: 'Allow execution of: rm -rf build?', details: {} });
  } else if (cmd === 'stop') {
    hook('AfterAgent', { prompt: 'p', prompt_response: 'done', stop_hook_active: false });
  } else if (cmd === 'exit') {
    hook('SessionEnd', { reason: 'exit' });
    process.exit(0);
  }
});
`;

const FAKE_OPENCODE = String.raw`#!/usr/bin/env node
const fs = require('fs');
const path = require('path');
const argv = process.argv.slice(2);
const configDir = process.env.OPENCODE_CONFIG_DIR;
fs.appendFileSync(path.join(__dirname, '..', 'starts.jsonl'), JSON.stringify({ agent: 'opencode', argv, configDir }) + '\n');
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const sessionId = opt('--session') || 'ses_' + Math.random().toString(16).slice(2, 10);
(async () => {
  const hooks = [];
  const dir = configDir ? path.join(configDir, 'plugins') : undefined;
  for (const file of dir && fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js')) : []) {
    const mod = await import('data:text/javascript,' + encodeURIComponent(fs.readFileSync(path.join(dir, file), 'utf8')));
    for (const plugin of Object.values(mod)) if (typeof plugin === 'function') hooks.push(await plugin({ project: {}, directory: process.cwd(), worktree: process.cwd(), client: {} }));
  }
  const emit = async (type, properties) => { for (const h of hooks) if (h.event) await h.event({ event: { type, properties } }); };
  if (!opt('--session')) await emit('session.created', { info: { id: sessionId, title: 'New session' } });
  process.stdout.write('fake opencode ready\n');
  // One command at a time, each done once its plugin calls have returned.
  let queue = Promise.resolve();
  require('readline').createInterface({ input: process.stdin }).on('line', (line) => { queue = queue.then(() => run(line)); });
  async function run(line) {
    const [cmd, ...rest] = line.trim().split(' ');
    const text = rest.join(' ');
    if (cmd === 'prompt') {
      await emit('session.status', { sessionID: sessionId, status: { type: 'busy' } });
      await emit('session.updated', { info: { id: sessionId, title: text } });
      process.stdout.write('opencode working on ' + text + '\n');
    } else if (cmd === 'ask') {
      await emit('permission.asked', { id: 'per_1', sessionID: sessionId, permission: 'bash', patterns: ['rm -rf build'] });
    } else if (cmd === 'task') {
      // A subagent's session: its own events are not the conversation's.
      await emit('session.created', { info: { id: 'ses_child', parentID: sessionId, title: 'subtask' } });
      await emit('session.status', { sessionID: 'ses_child', status: { type: 'busy' } });
      await emit('session.idle', { sessionID: 'ses_child' });
      process.stdout.write('task finished\n');
    } else if (cmd === 'stop') {
      await emit('session.status', { sessionID: sessionId, status: { type: 'idle' } });
      await emit('session.idle', { sessionID: sessionId });
    }
  }
})();
`;

export interface FakeAgents {
  /** A folder to put first on PATH. */
  bin: string;
  /** Each start of a fake agent appends { agent, argv } here (starts.jsonl). */
  log: string;
  starts(): Array<{ agent: string; argv: string[]; defaultsPath?: string; configDir?: string }>;
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function fakeAgents(): FakeAgents {
  const dir = tempDir('wts-fake-agents-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'claude'), FAKE_CLAUDE, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'codex'), FAKE_CODEX, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'gemini'), FAKE_GEMINI, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'opencode'), FAKE_OPENCODE, { mode: 0o755 });
  const log = path.join(dir, 'starts.jsonl');
  return {
    bin,
    log,
    starts: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    env: (base) => ({ ...base, PATH: `${bin}${path.delimiter}${base.PATH ?? ''}` }),
  };
}
