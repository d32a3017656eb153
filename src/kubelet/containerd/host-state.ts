/**
 * What running pods changes on a machine outside our own directory, captured before a test (or
 * a throw-away node) and put back after: so tests that run real containers leave the machine as
 * they found it, and say what they could not restore.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directories containerd, runc and the CNI plugins may create on first use. */
const watchedDirs = ['/run/netns', '/var/run/netns', '/run/containerd', '/var/lib/cni', '/opt/containerd', '/var/lib/containerd', '/etc/cni'];
const ipForward = '/proc/sys/net/ipv4/ip_forward';
const cgroupRoot = '/sys/fs/cgroup';

export interface HostState {
  links: string[];
  ipForward: string;
  nftTables: string;
  dirs: Record<string, boolean>;
  /** Controller → its top-level cgroup names. */
  cgroups: Record<string, string[]>;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export function linkNames(): string[] {
  return run('ip', ['-o', 'link', 'show']).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => !!n).sort();
}

export function captureHostState(): HostState {
  const cgroups: Record<string, string[]> = {};
  for (const controller of subdirs(cgroupRoot)) cgroups[controller] = subdirs(join(cgroupRoot, controller));
  return {
    links: linkNames(),
    ipForward: existsSync(ipForward) ? readFileSync(ipForward, 'utf8').trim() : '',
    nftTables: run('nft', ['list', 'tables']),
    dirs: Object.fromEntries(watchedDirs.map((d) => [d, existsSync(d)])),
    cgroups,
  };
}

/** Removes empty directories bottom-up; returns what was not empty. */
function removeEmptyTree(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return [];
  }
  if (!st.isDirectory()) return [dir];
  const left: string[] = [];
  for (const name of readdirSync(dir)) left.push(...removeEmptyTree(join(dir, name)));
  if (!left.length) {
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}

/** cgroupfs dirs hold only virtual files: a cgroup is removable once its children are. */
function removeCgroupTree(dir: string): string[] {
  const left: string[] = [];
  for (const name of subdirs(dir)) left.push(...removeCgroupTree(join(dir, name)));
  try {
    rmdirSync(dir);
  } catch {
    left.push(dir);
  }
  return left;
}

/**
 * Undoes what happened since `before`: deletes the named links (only those, and only if they
 * are new), restores ip_forward, removes directories and cgroups that did not exist. Returns
 * what it undid, and the differences it could not (or may not) undo.
 */
export function restoreHostState(before: HostState, ownLinks: string[]): { undone: string[]; problems: string[] } {
  const problems: string[] = [];
  const undone: string[] = [];
  for (const link of ownLinks) {
    if (!before.links.includes(link) && linkNames().includes(link)) {
      run('ip', ['link', 'del', link]);
      undone.push(`link ${link}`);
    }
  }
  const links = linkNames().filter((l) => !before.links.includes(l));
  if (links.length) problems.push(`links left: ${links.join(', ')}`);
  if (before.ipForward && readFileSync(ipForward, 'utf8').trim() !== before.ipForward) {
    writeFileSync(ipForward, before.ipForward);
    undone.push(`ip_forward back to ${before.ipForward}`);
  }
  for (const [dir, existed] of Object.entries(before.dirs)) {
    if (existed || !existsSync(dir)) continue;
    undone.push(`dir ${dir}`);
    for (const left of removeEmptyTree(dir)) problems.push(`left on disk: ${left}`);
  }
  for (const [controller, names] of Object.entries(before.cgroups)) {
    for (const name of subdirs(join(cgroupRoot, controller))) {
      if (names.includes(name)) continue;
      undone.push(`cgroup ${controller}/${name}`);
      for (const left of removeCgroupTree(join(cgroupRoot, controller, name))) problems.push(`cgroup left: ${left}`);
    }
  }
  if (run('nft', ['list', 'tables']) !== before.nftTables) problems.push('nftables tables changed');
  return { undone, problems };
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    // Field 5 is the mount point, with spaces etc. octal-escaped.
    .map((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir` (lazily if busy); returns what stayed mounted. */
export function unmountUnder(dir: string): string[] {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
    } catch {
      run('umount', ['-l', point]);
    }
  }
  return mountsUnder(dir);
}

/** Pids whose command line mentions `needle` (e.g. shims started for our socket), excluding ourselves. */
export function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(needle))) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
