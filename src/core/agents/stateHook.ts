import fs from 'node:fs';
import path from 'node:path';
import { CHANGE_CHANNEL } from '../tmux';

/**
 * WTS_STATE_HOOK (SPEC §8): a POSIX sh script, because a session outlives the
 * window and may outlive the VS Code server that started it (its node binary
 * is removed on update); sh, awk and tmux are all a session can count on,
 * under Remote-SSH and WSL too.
 *
 *   "$WTS_STATE_HOOK" <working|waiting|done> [summary…]
 *   "$WTS_STATE_HOOK" --claude <event>      Claude Code hooks (JSON on stdin)
 *   "$WTS_STATE_HOOK" --gemini <event>      Gemini CLI hooks (JSON on stdin)
 *   "$WTS_STATE_HOOK" --codex <json>        Codex's notify program
 *   "$WTS_STATE_HOOK" --opencode <what> <session id> [text]   the opencode plugin
 *
 * What it reports is hostile text (prompts, agent output): it is cut to one
 * line of printable characters, and every value reaches tmux as an argument
 * of its own, set without -F, so neither a shell nor tmux's format expansion
 * ever reads it. A trailing ";" would end a tmux command: it is escaped as
 * tmux.ts's escapeArgument does. One tmux call sets the options and wakes
 * every window through the change channel.
 */
export const STATE_HOOK_SCRIPT = `#!/bin/sh
# Worktree Sessions state hook (SPEC §8). Written by the extension; edits are overwritten.
#   "$WTS_STATE_HOOK" <working|waiting|done> [summary...]
#   "$WTS_STATE_HOOK" --claude <event>     Claude Code hook, JSON on standard input
#   "$WTS_STATE_HOOK" --gemini <event>     Gemini CLI hook, JSON on standard input
#   "$WTS_STATE_HOOK" --codex <json>       Codex notify program
#   "$WTS_STATE_HOOK" --opencode <working|waiting|done|title|session> <session id> [text]
#   "$WTS_STATE_HOOK" --osc <socket path> <session> <tmux>   (pipe-pane; the pane's output on stdin)
# pipe-pane -O runs "$WTS_STATE_HOOK" --osc <socket path> <session> <tmux> with the pane's output on
# standard input: an OSC 9 or OSC 777 notify notification becomes a bell with its text (§8). Perl
# reads the stream as it comes (awk waits for a full buffer); without perl there is no watching.
# Output is anyone's to write: at most one tmux call a second, the last text of a burst kept.
if [ "\${1:-}" = --osc ]; then
  command -v perl >/dev/null 2>&1 || exit 0
  exec perl -e '
    my ($sock, $session, $tmux) = @ARGV;
    exit 0 unless defined $session && $session =~ /\\Awts-[0-9a-f]{16}(?:-[A-Za-z0-9_-]+)?\\z/;
    my ($buf, $last, $pending) = ("", 0, undef);
    sub notify {
      my ($text) = @_;
      if (time == $last) { $pending = $text; return; }
      ($last, $pending) = (time, undef);
      system { $tmux } $tmux, "-S", $sock, "set-option", "-t", "=$session:", "\\@wts_bell", $last,
        ";", "set-option", "-t", "=$session:", "\\@wts_bell_note", $text, ";", "wait-for", "-S", "${CHANGE_CHANNEL}";
    }
    while (1) {
      my $rin = ""; vec($rin, fileno(STDIN), 1) = 1;
      if (!select(my $rout = $rin, undef, undef, defined $pending ? 1 : undef)) { notify($pending) if defined $pending; next; }
      last unless sysread(STDIN, my $chunk, 65536);
      $buf .= $chunk;
      my $end = 0;
      while ($buf =~ /\\e\\](9|777);([^\\a\\e]*)(?:\\a|\\e\\\\)/g) {
        my ($code, $text) = ($1, $2);
        $end = pos($buf);
        # OSC 9;<number>;... are ConEmu codes (a progress bar), not notifications.
        next if $code eq "9" && $text =~ /\\A[0-9]+(?:;|\\z)/;
        if ($code eq "777") { next unless $text =~ s/\\Anotify;//; $text =~ s/;/: /; }
        $text =~ s/[\\x00-\\x1f\\x7f]//g;
        $text = substr($text, 0, 200);
        $text =~ s/;\\z/\\\\;/;
        notify($text);
      }
      # Keep only a notification still arriving.
      $buf = substr($buf, $end);
      my $at = rindex($buf, "\\e]");
      $buf = $at < 0 ? "" : substr($buf, $at, 4096);
    }
    if (defined $pending) { sleep 1; notify($pending); }
  ' -- "$2" "$3" "\${4:-tmux}"
fi
[ -n "\${WTS_SESSION:-}" ] && [ -n "\${WTS_SOCKET:-}" ] || { echo "wts-state-hook: not inside a Worktree Sessions session" >&2; exit 0; }
case $WTS_SESSION in wts-*) ;; *) exit 0 ;; esac
gen=\${WTS_GENERATION:-}
case $gen in ''|*[!0-9]*) gen= ;; esac

# One line of printable text, at most 200 characters, safe as a tmux argument.
clean() {
  printf '%s\\n' "$1" | head -n 1 | tr -d '\\000-\\037\\177' | cut -c1-200 | sed 's/;$/\\\\;/'
}

# The first line of the string value of a key in the JSON on standard input
# (an array of strings gives its first element).
json_field() {
  awk -v key="\\"$1\\"" '
    { buf = buf $0 "\\n" }
    END {
      i = index(buf, key); if (!i) exit
      rest = substr(buf, i + length(key))
      if (!match(rest, /^[ \\t\\r\\n]*:[ \\t\\r\\n]*\\[?[ \\t\\r\\n]*"/)) exit
      rest = substr(rest, RLENGTH + 1); out = ""
      for (j = 1; j <= length(rest); j++) {
        c = substr(rest, j, 1)
        if (c == "\\"") break
        if (c != "\\\\") { out = out c; continue }
        j++; e = substr(rest, j, 1)
        if (e == "n" || e == "r") break
        else if (e == "t") out = out " "
        else if (e == "u") j += 4
        else if (e == "\\"" || e == "\\\\" || e == "/") out = out e
      }
      print out
    }'
}

# report <state|clear|keep> <note> <summary|""> <agent session|"">
report() {
  t="=$WTS_SESSION:"; st=$1
  note=$(clean "$2"); summary=$(clean "$3"); agent=$(clean "$4")
  set -- set-option -t "$t" @wts_gen "$gen"
  case $st in
    working|waiting|done) set -- "$@" \\; set-option -t "$t" @wts_state "$st" \\; set-option -t "$t" @wts_state_at "$(date +%s)" \\; set-option -t "$t" @wts_state_source hook \\; set-option -t "$t" @wts_state_note "$note" ;;
    clear) set -- "$@" \\; set-option -t "$t" @wts_state "" \\; set-option -t "$t" @wts_state_note "" ;;
  esac
  [ -n "$summary" ] && set -- "$@" \\; set-option -t "$t" @wts_summary "$summary"
  [ -n "$agent" ] && set -- "$@" \\; set-option -t "$t" @wts_agent_session "$agent"
  "\${WTS_TMUX:-tmux}" -L "$WTS_SOCKET" "$@" \\; wait-for -S ${CHANGE_CHANNEL} >/dev/null 2>&1
  return 0
}

case \${1:-} in
  working|waiting|done)
    st=$1; shift
    report "$st" "" "$*" "" ;;
  --claude|--gemini)
    # Gemini CLI's hooks are Claude Code's under other names, with the same JSON fields.
    input=$(cat)
    field() { printf '%s' "$input" | json_field "$1"; }
    id=$(field session_id)
    case \${2:-} in
      SessionStart|SessionEnd) report clear "" "" "$id" ;;
      UserPromptSubmit|BeforeAgent) report working "" "$(field prompt)" "$id" ;;
      PreToolUse|PostToolUse|BeforeTool|AfterTool) report working "" "" "$id" ;;
      Notification)
        msg=$(field message); kind=$(field notification_type)
        # An idle prompt is the end of a turn the Stop hook already reported, not a question.
        case "$kind $msg" in idle_prompt*|*"waiting for your input"*) exit 0 ;; esac
        report waiting "$msg" "" "$id" ;;
      Stop|AfterAgent) report done "" "" "$id" ;;
    esac ;;
  --codex)
    input=\${2:-}
    field() { printf '%s' "$input" | json_field "$1"; }
    case $(field type) in
      agent-turn-complete) report done "$(field last-assistant-message)" "$(field input-messages)" "$(field thread-id)" ;;
      *approval*) report waiting "$(field type)" "" "$(field thread-id)" ;;
    esac ;;
  --opencode)
    what=\${2:-}; id=\${3:-}
    if [ $# -ge 3 ]; then shift 3; else shift $#; fi
    case $what in
      working|done) report "$what" "" "" "$id" ;;
      waiting) report waiting "$*" "" "$id" ;;
      title) report keep "" "$*" "$id" ;;
      session) report clear "" "" "$id" ;;
    esac ;;
  *)
    echo "usage: \\"\\$WTS_STATE_HOOK\\" <working|waiting|done> [summary...]" >&2
    exit 2 ;;
esac
exit 0
`;

/** Claude Code's hooks, each calling the state hook with its event (the path comes from the session's environment). */
export function claudeSettings(): object {
  const hook = (event: string) => [{ hooks: [{ type: 'command', command: `"$WTS_STATE_HOOK" --claude ${event}`, timeout: 10 }] }];
  const tool = (event: string) => [{ matcher: '*', hooks: [{ type: 'command', command: `"$WTS_STATE_HOOK" --claude ${event}`, timeout: 10 }] }];
  return {
    hooks: {
      SessionStart: hook('SessionStart'),
      UserPromptSubmit: hook('UserPromptSubmit'),
      PreToolUse: tool('PreToolUse'),
      PostToolUse: tool('PostToolUse'),
      Notification: hook('Notification'),
      Stop: hook('Stop'),
      SessionEnd: hook('SessionEnd'),
    },
  };
}

/** Gemini CLI's hooks: Claude Code's events under Gemini's names (its timeouts are in milliseconds). */
const GEMINI_HOOKS: ReadonlyArray<[event: string, matcher?: string]> = [
  ['SessionStart'], ['BeforeAgent'], ['BeforeTool', '*'], ['AfterTool', '*'], ['Notification'], ['AfterAgent'], ['SessionEnd'],
];

/**
 * Gemini CLI reads no settings file from its command line; its lowest layer,
 * the system defaults file, can be moved with GEMINI_CLI_SYSTEM_DEFAULTS_PATH
 * and its hooks run beside those of every other layer. So the session's
 * defaults file is the machine's own (`machineDefaults`, empty when there is
 * none) with our hooks added after its own: every setting of the user, the
 * project and the administrator still wins.
 */
export function geminiDefaults(machineDefaults: Record<string, unknown>): object {
  const hooks: Record<string, unknown> = { ...(isObject(machineDefaults.hooks) ? machineDefaults.hooks : {}) };
  for (const [event, matcher] of GEMINI_HOOKS) {
    const theirs = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    const command = `"$WTS_STATE_HOOK" --gemini ${event}`;
    hooks[event] = [...theirs, { ...(matcher ? { matcher } : {}), hooks: [{ name: `worktree-sessions-${event}`, type: 'command', command, timeout: 10_000 }] }];
  }
  return { ...machineDefaults, hooks };
}

/**
 * The opencode plugin (loaded from OPENCODE_CONFIG_DIR/plugins, next to the
 * user's own plugins). It only forwards opencode's documented events to the
 * state hook, once per change: busy → working, a permission or question →
 * waiting, idle → done, and the session's title as the summary. Sessions a
 * task tool starts (those with a parent) are not the conversation the user
 * sees, and are left out.
 */
export const OPENCODE_PLUGIN = `// Worktree Sessions state plugin (SPEC §8). Written by the extension; edits are overwritten.
import { spawn } from "node:child_process";

export const WorktreeSessionsState = async () => {
  const hook = process.env.WTS_STATE_HOOK;
  const children = new Set();
  const last = new Map();
  // Resolves when the hook has finished (it is ended after 10 s), so whoever awaits the event knows its report landed.
  const report = (what, sessionID, text) => new Promise((resolve) => {
    if (!hook || typeof sessionID !== "string" || children.has(sessionID)) return resolve();
    const key = what + "\\0" + (text ?? "");
    if (last.get(sessionID) === key) return resolve();
    last.set(sessionID, key);
    try {
      const child = spawn(hook, ["--opencode", what, sessionID, ...(text ? [String(text)] : [])], { stdio: "ignore" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      const end = () => { clearTimeout(timer); resolve(); };
      child.on("error", end);
      child.on("exit", end);
    } catch {
      resolve();
    }
  });
  return {
    event: async ({ event }) => {
      const p = (event && event.properties) || {};
      switch (event && event.type) {
        case "session.created":
          if (p.info && p.info.parentID) children.add(p.info.id);
          else if (p.info) return report("session", p.info.id);
          return;
        case "session.updated":
          if (p.info && !p.info.parentID && p.info.title) return report("title", p.info.id, p.info.title);
          return;
        case "session.status":
          if (p.status && p.status.type === "busy") return report("working", p.sessionID);
          if (p.status && p.status.type === "idle") return report("done", p.sessionID);
          return;
        case "session.idle":
          return report("done", p.sessionID);
        case "permission.updated":
        case "permission.asked":
          return report("waiting", p.sessionID, p.title || p.permission || "permission");
        case "question.asked":
          return report("waiting", p.sessionID, "question");
        case "permission.replied":
        case "question.replied":
          return report("working", p.sessionID);
      }
    },
  };
};
`;

export interface AgentFiles {
  stateHook: string;
  claudeSettings: string;
  /** Undefined when the machine's own Gemini defaults file cannot be read: Gemini is then not wired (its settings stay whole). */
  geminiDefaults?: string;
  /** The folder given as OPENCODE_CONFIG_DIR; its plugins/ holds our plugin. */
  opencodeConfigDir: string;
}

/** Where Gemini CLI looks for the system defaults file when GEMINI_CLI_SYSTEM_DEFAULTS_PATH is not set. */
export function machineGeminiDefaultsPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH) return env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH;
  if (platform === 'darwin') return '/Library/Application Support/GeminiCli/system-defaults.json';
  return '/etc/gemini-cli/system-defaults.json';
}

/**
 * Writes the state hook and the agents' per-session settings into the
 * extension's storage (the same for every session, so one copy serves all);
 * rewritten only when their content changed, so a running hook is never
 * replaced under it.
 */
export function installAgentFiles(storageDir: string, env: NodeJS.ProcessEnv = process.env): AgentFiles {
  const dir = path.join(storageDir, 'agents');
  const pluginDir = path.join(dir, 'opencode', 'plugins');
  fs.mkdirSync(pluginDir, { recursive: true });
  writeIfChanged(path.join(pluginDir, 'worktree-sessions-state.js'), OPENCODE_PLUGIN, 0o644);
  const machine = readMachineDefaults(machineGeminiDefaultsPath(env));
  return {
    stateHook: writeIfChanged(path.join(dir, 'wts-state-hook'), STATE_HOOK_SCRIPT, 0o755),
    claudeSettings: writeIfChanged(path.join(dir, 'claude-settings.json'), `${JSON.stringify(claudeSettings(), null, 2)}\n`, 0o644),
    ...(machine ? { geminiDefaults: writeIfChanged(path.join(dir, 'gemini-system-defaults.json'), `${JSON.stringify(geminiDefaults(machine), null, 2)}\n`, 0o644) } : {}),
    opencodeConfigDir: path.dirname(pluginDir),
  };
}

/** The machine's Gemini defaults: {} when there is no file; undefined when one exists but is not a JSON object we can extend. */
function readMachineDefaults(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? {} : undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function writeIfChanged(file: string, content: string, mode: number): string {
  let current: string | undefined;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== content) {
    // Another window may be writing the same content: each writes its own temporary file and renames it.
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
    fs.writeFileSync(tmp, content, { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } else if ((fs.statSync(file).mode & 0o777) !== mode) {
    fs.chmodSync(file, mode);
  }
  return file;
}
