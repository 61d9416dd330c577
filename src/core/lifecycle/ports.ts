import net from 'node:net';
import { UserError, type WorkspaceRecord } from '../model';
import type { LifecycleContext } from './context';

const HIGHEST_PORT = 65535;
/** How long one port's listen check may take; a local bind answers in microseconds. */
const LISTEN_CHECK_MS = 2000;

/** Whether something could listen on 127.0.0.1:port right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    const timer = setTimeout(() => {
      server.close();
      resolve(false);
    }, LISTEN_CHECK_MS);
    // Stryker disable next-line BlockStatement: without it the timer answers the same (busy) two seconds later
    server.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    // Stryker disable next-line StringLiteral,BooleanLiteral: a port bound on 127.0.0.1 also refuses a bind on every address, and exclusive matters only to cluster workers
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      clearTimeout(timer);
      server.close(() => resolve(true));
    });
  });
}

type Block = { first: number; count: number };

const overlaps = (a: Block, b: Block) => a.first < b.first + b.count && b.first < a.first + a.count;

/** The first start at or after `from` whose block overlaps none of `taken`. */
function nextUnclaimed(from: number, count: number, taken: readonly Block[]): number {
  let first = from;
  for (;;) {
    const clash = taken.find((t) => overlaps(t, { first, count }));
    if (!clash) return first;
    first = clash.first + clash.count;
  }
}

/**
 * §9: a block of `count` consecutive ports, distinct from every other
 * workspace's block in the installation and free when assigned. The block is
 * written in the same store write that checks no other row holds it, so two
 * windows creating at once never get the same one. A retried setup keeps the block it has.
 */
export async function reservePorts(ctx: LifecycleContext, w: WorkspaceRecord, count: number): Promise<WorkspaceRecord> {
  if (w.ports && w.ports.count === count) return w;
  const { store } = ctx.deps;
  const base = ctx.deps.settings().portBase;
  store.refresh();
  const claimed = store.workspaces().filter((o) => o.id !== w.id && o.ports).map((o) => o.ports!);
  let first = nextUnclaimed(base, count, claimed);
  for (;;) {
    if (first + count - 1 > HIGHEST_PORT) throw new UserError(`No block of ${count} free port(s) is left from worktreeSessions.portBase (${base}) up to ${HIGHEST_PORT}.`);
    let busy: number | undefined;
    for (let p = first; p < first + count && busy === undefined; p++) if (!(await portFree(p))) busy = p;
    if (busy !== undefined) {
      first = nextUnclaimed(busy + 1, count, claimed);
      continue;
    }
    const candidate = first;
    const taken = await store.write((tx) => {
      const others = tx.portBlocks().filter((b) => b.id !== w.id);
      if (others.some((b) => overlaps(b, { first: candidate, count }))) return others;
      tx.updateWorkspace(w.id, { ports: { first: candidate, count } });
      return undefined;
    });
    if (!taken) break;
    // Another window took it between the check and the write: the next unclaimed block, checked again.
    claimed.splice(0, claimed.length, ...taken);
    first = nextUnclaimed(candidate, count, claimed);
  }
  ctx.deps.logger.info(`Ports ${first}–${first + count - 1} are ${w.branch}'s.`);
  return { ...w, ports: { first, count } };
}
