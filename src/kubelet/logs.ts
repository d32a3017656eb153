import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodLogError, type PodLogOptions, type PodLogSource } from '../api/logs.js';
import type { KubeObject } from '../api/types.js';
import type { ContainerRuntime } from './cri/types.js';
import { containerNameLabel, podUidLabel } from './labels.js';
import { podLogDir } from './sandbox-config.js';

/** One line of a CRI log file: `2026-01-01T00:00:00.123456789Z stdout F text`. */
export interface LogLine {
  time: string;
  text: string;
  /** F: the line ends here; P: a partial line continues in the next entry. */
  full: boolean;
}

export function parseCriLogLine(line: string): LogLine | undefined {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  const third = line.indexOf(' ', second + 1);
  if (first < 0 || second < 0) return undefined;
  const tag = third < 0 ? line.slice(second + 1) : line.slice(second + 1, third);
  return { time: line.slice(0, first), text: third < 0 ? '' : line.slice(third + 1), full: tag !== 'P' };
}

/** Which container of the pod, with kubectl's messages when the choice is missing or wrong. */
function chooseContainer(pod: KubeObject, wanted: string | undefined): string {
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name)];
  const podName = pod.metadata.name ?? '';
  if (!wanted) {
    if (names.length === 1) return names[0]!;
    throw new PodLogError(400, `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`);
  }
  if (!all.includes(wanted)) throw new PodLogError(400, `container ${wanted} is not valid for pod ${podName}`);
  return wanted;
}

function restartCountOf(pod: KubeObject, container: string): number {
  const status = (pod.status ?? {}) as { containerStatuses?: Array<{ name: string; restartCount?: number }>; initContainerStatuses?: Array<{ name: string; restartCount?: number }> };
  const found = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((s) => s.name === container);
  return found?.restartCount ?? 0;
}

/** Renders entries as kubectl shows them: text (partial lines joined), optionally prefixed with time. */
function render(entries: LogLine[], options: PodLogOptions): string {
  const since = options.sinceTime ? Date.parse(options.sinceTime) : options.sinceSeconds ? Date.now() - options.sinceSeconds * 1000 : undefined;
  const lines: string[] = [];
  let pending = '';
  let pendingTime = '';
  for (const entry of entries) {
    if (since !== undefined && Date.parse(entry.time) < since) continue;
    if (!pending) pendingTime = entry.time;
    pending += entry.text;
    if (!entry.full) continue;
    lines.push(`${options.timestamps ? `${pendingTime} ` : ''}${pending}\n`);
    pending = '';
  }
  if (pending) lines.push(`${options.timestamps ? `${pendingTime} ` : ''}${pending}`);
  const kept = options.tailLines !== undefined ? lines.slice(Math.max(0, lines.length - options.tailLines)) : lines;
  return kept.join('');
}

/**
 * Pods' logs as the kubelet's log endpoint serves them, from the CRI log files under the pod's
 * log directory (`<container>/<restartCount>.log`). With `follow`, new lines are sent until the
 * container stops running.
 */
export function podLogSource(dataDir: string, runtime: ContainerRuntime): PodLogSource {
  return async function* logs(pod: KubeObject, options: PodLogOptions, signal: AbortSignal): AsyncIterable<string> {
    const container = chooseContainer(pod, options.container);
    const podName = pod.metadata.name ?? '';
    const restarts = restartCountOf(pod, container);
    const attempt = options.previous ? restarts - 1 : restarts;
    if (attempt < 0) throw new PodLogError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
    const dir = join(podLogDir(dataDir, pod), container);
    const files = await readdir(dir).catch(() => [] as string[]);
    const file = files.includes(`${attempt}.log`) ? `${attempt}.log` : undefined;
    if (!file) throw new PodLogError(400, `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
    const handle = await open(join(dir, file), 'r');
    let limit = options.limitBytes ?? Infinity;
    const emit = (text: string): string => {
      const out = text.length > limit ? text.slice(0, limit) : text;
      limit -= out.length;
      return out;
    };
    try {
      let position = 0;
      let rest = '';
      const readNew = async (): Promise<LogLine[]> => {
        const { size } = await handle.stat();
        if (size <= position) return [];
        const buffer = Buffer.alloc(size - position);
        await handle.read(buffer, 0, buffer.length, position);
        position = size;
        const text = rest + buffer.toString('utf8');
        const cut = text.lastIndexOf('\n');
        rest = cut < 0 ? text : text.slice(cut + 1);
        return (cut < 0 ? [] : text.slice(0, cut).split('\n')).map(parseCriLogLine).filter((l): l is LogLine => l !== undefined);
      };
      const first = render(await readNew(), options);
      if (first) yield emit(first);
      if (!options.follow || options.previous) return;
      const followOptions = { ...options, tailLines: undefined, sinceSeconds: undefined, sinceTime: undefined };
      while (!signal.aborted && limit > 0) {
        await sleep(250, undefined, { signal }).catch(() => undefined);
        const more = render(await readNew(), followOptions);
        if (more) yield emit(more);
        const running = await runtime.listContainers({ labelSelector: { [podUidLabel]: pod.metadata.uid ?? '', [containerNameLabel]: container } }).catch(() => []);
        if (!running.some((c) => c.state === 'CONTAINER_RUNNING')) {
          const last = render(await readNew(), followOptions);
          if (last) yield emit(last);
          return;
        }
      }
    } finally {
      await handle.close();
    }
  };
}
