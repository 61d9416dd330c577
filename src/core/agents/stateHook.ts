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
 *   "$WTS_STATE_HOOK" --codex <json>        Codex's notify program
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
#   "$WTS_STATE_HOOK" --codex <json>       Codex notify program
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
  --claude)
    input=$(cat)
    field() { printf '%s' "$input" | json_field "$1"; }
    id=$(field session_id)
    case \${2:-} in
      SessionStart|SessionEnd) report clear "" "" "$id" ;;
      UserPromptSubmit) report working "" "$(field prompt)" "$id" ;;
      PreToolUse|PostToolUse) report working "" "" "$id" ;;
      Notification)
        msg=$(field message); kind=$(field notification_type)
        # An idle prompt is the end of a turn the Stop hook already reported, not a question.
        case "$kind $msg" in idle_prompt*|*"waiting for your input"*) exit 0 ;; esac
        report waiting "$msg" "" "$id" ;;
      Stop) report done "" "" "$id" ;;
    esac ;;
  --codex)
    input=\${2:-}
    field() { printf '%s' "$input" | json_field "$1"; }
    case $(field type) in
      agent-turn-complete) report done "$(field last-assistant-message)" "$(field input-messages)" "$(field thread-id)" ;;
      *approval*) report waiting "$(field type)" "" "$(field thread-id)" ;;
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

export interface AgentFiles {
  stateHook: string;
  claudeSettings: string;
}

/**
 * Writes the state hook and the Claude Code settings into the extension's
 * storage (they are the same for every session, so one copy serves all);
 * rewritten only when their content changed, so a running hook is never
 * replaced under it.
 */
export function installAgentFiles(storageDir: string): AgentFiles {
  const dir = path.join(storageDir, 'agents');
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    stateHook: writeIfChanged(path.join(dir, 'wts-state-hook'), STATE_HOOK_SCRIPT, 0o755),
    claudeSettings: writeIfChanged(path.join(dir, 'claude-settings.json'), `${JSON.stringify(claudeSettings(), null, 2)}\n`, 0o644),
  };
  return files;
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
