/**
 * resourcehelper.PodRequests / PodLimits: a pod's effective resources are the larger of the
 * containers' sum (with sidecars — init containers with restartPolicy Always — which keep
 * running) and each ordinary init container beside the sidecars started before it, plus the
 * pod overhead. One copy for the scheduler, ResourceQuota and LimitRanger.
 */
export type Amounts = Map<string, number>;

function add(into: Amounts, from: Amounts): void {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? 0) + value);
}

function maxInto(into: Amounts, from: Amounts): void {
  for (const [name, value] of from) if (value > (into.get(name) ?? 0)) into.set(name, value);
}

export function podResourceTotals<C>(containers: C[], initContainers: C[], amountsOf: (container: C) => Amounts, overhead: Amounts = new Map()): Amounts {
  const sum: Amounts = new Map();
  for (const c of containers) add(sum, amountsOf(c));
  const sidecars: Amounts = new Map();
  const initMax: Amounts = new Map();
  for (const c of initContainers) {
    const own = amountsOf(c);
    if ((c as { restartPolicy?: unknown }).restartPolicy === 'Always') {
      add(sum, own);
      add(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      const running: Amounts = new Map(sidecars);
      add(running, own);
      maxInto(initMax, running);
    }
  }
  maxInto(sum, initMax);
  add(sum, overhead);
  return sum;
}
