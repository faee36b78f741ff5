// CPU time of a process and everything it started (Linux /proc), to tell how much of a run the
// stand-in's own work accounts for, whatever scheduler drives it.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`; 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks: itself and its children that were waited for. */
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const at = (field: number): number => Number(fields[field - 3]);
    return { ppid: at(4), ticks: at(14) + at(15) + at(16) + at(17) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by `pid` and its live descendants (plus descendants that exited and
 * were waited for). Processes that exited unwaited since the last call are not counted.
 */
export function processTreeCpuSeconds(pid: number): number {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat) stats.set(Number(name), stat);
  }
  const children = new Map<number, number[]>();
  for (const [child, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), child]);
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop() as number;
    ticks += stats.get(current)?.ticks ?? 0;
    pending.push(...(children.get(current) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
