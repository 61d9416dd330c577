import fs from 'node:fs';
import path from 'node:path';
import { currentReport, isStaleWorking, matchRules, rulesFor } from '../agents/state';
import { reportsWorking } from '../agents/wiring';
import type { SessionRecord } from '../model';
import type { SessionOptionChange } from '../tmux';
import type { LiveSession, SessionListing } from '../tmuxParse';
import type { LifecycleContext } from './context';
import { errorMessage } from './types';

/** §8: how much of a pane survives a server loss, and how often it is saved. */
export const SCROLLBACK_LINES = 2_000;
export const SCROLLBACK_INTERVAL_MS = 30_000;
/** Panes captured per tmux process when saving scrollback: bounds one call's output. */
const SCROLLBACK_BATCH = 20;
/** The last lines a screen rule looks at (a pane's visible screen is at most this tall in practice). */
const RULE_CAPTURE_LINES = 60;

/** An agent's conversation id goes into a resume argv: no flag, no shell or tmux syntax. */
const AGENT_SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The signals of §8 that need more than the listing: screen rules (a capture,
 * only of panes that wrote something since their last check, never a poll of
 * every session), the agent's conversation id copied into its row while the
 * session lives (it is gone with a lost server), and saved scrollback.
 */
export class AgentSignals {
  /** Each pane's activity time at its last rule check, and when that check ran. */
  private readonly ruleChecked = new Map<string, Checked>();
  /** Each pane's activity time when its scrollback was last saved, and when that was. */
  private readonly scrollbackSaved = new Map<string, Checked>();
  private lastScrollbackSave: number;
  private savingScrollback?: Promise<void>;

  constructor(private readonly ctx: LifecycleContext) {
    this.lastScrollbackSave = ctx.now;
  }

  get scrollbackDir(): string {
    return path.join(this.ctx.storageDir, 'scrollback');
  }

  scrollbackFile(sessionName: string): string {
    return path.join(this.scrollbackDir, `${sessionName}.txt`);
  }

  /** After each listing: rules for panes that changed, conversation ids into rows. Failures are logged; the view still shows the rest. */
  async afterListing(listing: SessionListing): Promise<boolean> {
    let changed = false;
    try {
      changed = await this.applyRules(listing);
    } catch (e) {
      this.ctx.deps.logger.warn(`Screen rules could not be checked: ${errorMessage(e)}`);
    }
    try {
      await this.recordAgentSessions(listing);
    } catch (e) {
      this.ctx.deps.logger.warn(`Could not record agent conversation ids: ${errorMessage(e)}`);
    }
    return changed;
  }

  private ownRows(listing: SessionListing): Array<{ l: LiveSession; row: SessionRecord }> {
    const { store, tmux } = this.ctx.deps;
    const rows = new Map(store.sessions().filter((s) => !s.lost).map((s) => [s.name, s]));
    const out: Array<{ l: LiveSession; row: SessionRecord }> = [];
    for (const l of listing.sessions) {
      const row = rows.get(l.name);
      if (row && l.owner === tmux.ownerId && !l.paneDead) out.push({ l, row });
    }
    return out;
  }

  /**
   * §8 screen rules, and the re-check of a stale `working`. The result is
   * written back to the session (source "rule"), so every window shows it
   * without capturing the pane itself; a hook that reported meanwhile wins
   * (the write is conditional on the state time this window saw).
   */
  private async applyRules(listing: SessionListing): Promise<boolean> {
    const now = this.ctx.now;
    const settings = this.ctx.deps.settings();
    const due: Array<{ l: LiveSession; rules: ReturnType<typeof rulesFor>; stale: boolean }> = [];
    const seen = new Set<string>();
    for (const { l, row } of this.ownRows(listing)) {
      seen.add(l.name);
      const rules = rulesFor(row.targetKey, settings.stateRules);
      if (!rules.length) continue;
      const stale = isStaleWorking(l, now);
      const report = currentReport(l, now, { reportsWorking: reportsWorking(row.targetKey) });
      // The agent's own hook is the strongest signal: while it holds, no capture is needed.
      if (report?.source === 'hook' && !stale) continue;
      if (!stale && isCurrent(this.ruleChecked.get(l.name), l)) continue;
      due.push({ l, rules, stale });
    }
    for (const name of this.ruleChecked.keys()) if (!seen.has(name)) this.ruleChecked.delete(name);
    if (!due.length) return false;

    const panes = await this.ctx.deps.tmux.capturePanes(due.map((d) => d.l.name), RULE_CAPTURE_LINES);
    const changes: SessionOptionChange[] = [];
    for (const { l, rules, stale } of due) {
      const pane = panes.get(l.name);
      if (pane === undefined) continue;
      this.ruleChecked.set(l.name, { activityAt: l.activityAt, at: now });
      const rule = matchRules(rules, pane);
      const seenAt = String(l.reported ? Math.floor(l.reported.at / 1000) : '');
      const generation = l.createdStamp === undefined ? '' : String(l.createdStamp);
      if (rule) {
        if (!stale && l.reported?.source === 'rule' && l.reported.state === rule.state && l.reported.generation === l.createdStamp) continue;
        const at = Math.floor(now / 1000);
        changes.push({
          name: l.name,
          onlyIf: ['@wts_state_at', seenAt],
          options: [['@wts_state', rule.state], ['@wts_state_at', String(at)], ['@wts_state_source', 'rule'], ['@wts_state_note', ''], ['@wts_gen', generation]],
        });
        l.reported = { state: rule.state, at: at * 1000, source: 'rule', generation: l.createdStamp };
      } else if (l.reported && (l.reported.source === 'rule' || stale)) {
        // Nothing on the screen says so any more (or a hook's `working` went quiet): the process state shows instead.
        changes.push({ name: l.name, onlyIf: ['@wts_state_at', seenAt], options: [['@wts_state', ''], ['@wts_state_at', ''], ['@wts_state_note', '']] });
        l.reported = undefined;
      }
    }
    if (!changes.length) return false;
    await this.ctx.deps.tmux.setSessionOptions(changes);
    return true;
  }

  /** §8 resume: the conversation id a hook reported is kept with the row, for a relaunch after the server is lost. */
  private async recordAgentSessions(listing: SessionListing): Promise<void> {
    const updates = this.ownRows(listing).filter(({ l, row }) =>
      l.agentSessionId && AGENT_SESSION_ID.test(l.agentSessionId) && l.agentSessionId !== row.agentSessionId
      // Only the generation that reported it.
      && (l.createdStamp === undefined || l.createdStamp === row.createdAt));
    if (!updates.length) return;
    await this.ctx.deps.store.write((tx) => {
      for (const { l, row } of updates) {
        const current = tx.sessions(row.workspaceId).find((s) => s.name === row.name && s.createdAt === row.createdAt);
        if (current) tx.upsertSession({ ...current, agentSessionId: l.agentSessionId });
      }
    });
  }

  /**
   * §8: the last lines of each pane that wrote something since its last
   * save, at most every 30 s (force: the window is closing). Files of
   * sessions that have no row any more are removed.
   */
  saveScrollback(options: { force?: boolean } = {}): Promise<void> {
    if (this.savingScrollback) return this.savingScrollback;
    if (!options.force && this.ctx.now - this.lastScrollbackSave < SCROLLBACK_INTERVAL_MS) return Promise.resolve();
    this.lastScrollbackSave = this.ctx.now;
    const run = this.saveScrollbackNow().catch((e) => this.ctx.deps.logger.warn(`Could not save scrollback: ${errorMessage(e)}`));
    this.savingScrollback = run.finally(() => (this.savingScrollback = undefined));
    return this.savingScrollback;
  }

  private async saveScrollbackNow(): Promise<void> {
    const listing = this.ctx.live.current;
    if (!listing?.serverRunning) return;
    const changed = this.ownRows(listing).filter(({ l }) => !isCurrent(this.scrollbackSaved.get(l.name), l)).map(({ l }) => l);
    if (changed.length) fs.mkdirSync(this.scrollbackDir, { recursive: true });
    for (let i = 0; i < changed.length; i += SCROLLBACK_BATCH) {
      const batch = changed.slice(i, i + SCROLLBACK_BATCH);
      const panes = await this.ctx.deps.tmux.capturePanes(batch.map((l) => l.name), SCROLLBACK_LINES);
      for (const l of batch) {
        const text = panes.get(l.name);
        if (text === undefined) continue;
        writeAtomically(this.scrollbackFile(l.name), text ? `${text}\n` : '');
        this.scrollbackSaved.set(l.name, { activityAt: l.activityAt, at: this.ctx.now });
      }
    }
    this.sweepScrollback();
  }

  private sweepScrollback(): void {
    let files: string[];
    try {
      files = fs.readdirSync(this.scrollbackDir);
    } catch {
      return;
    }
    const named = new Set(this.ctx.deps.store.sessions().map((s) => `${s.name}.txt`));
    for (const f of files) {
      if (!f.endsWith('.txt') || named.has(f)) continue;
      fs.rmSync(path.join(this.scrollbackDir, f), { force: true });
      this.scrollbackSaved.delete(f.slice(0, -4));
    }
  }
}

export interface Checked {
  activityAt: number;
  at: number;
}

/**
 * Whether a look at the pane already saw its latest output. tmux keeps the
 * output time in whole seconds, so a look within that second may have come
 * before more output of the same second: only a look after it is current.
 */
export function isCurrent(checked: Checked | undefined, l: Pick<LiveSession, 'activityAt'>): boolean {
  return checked !== undefined && checked.activityAt === l.activityAt && checked.at >= l.activityAt + 1000;
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
