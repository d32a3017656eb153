import { kubeTime } from './time.js';

/** A node condition as kubelet posts it. */
export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** What the machine's free memory and disk say about pressure (none for simulated nodes). */
export interface Pressure {
  memory: boolean;
  disk: boolean;
}

/** kubelet's node conditions, keeping transition times of unchanged ones (as its setters do). */
export function nodeConditions(now: Date, previous: unknown[] = [], pressure: Pressure = { memory: false, disk: false }): NodeCondition[] {
  const time = kubeTime(now);
  const wanted: Array<Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>> = [
    pressure.memory
      ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
      : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    pressure.disk
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    // kubelet has no default PID eviction threshold: without one there is no PID pressure.
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
  return wanted.map((condition) => {
    const old = previous.find((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && (c as Record<string, unknown>).type === condition.type);
    const kept = old && old.status === condition.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : time;
    return { ...condition, lastHeartbeatTime: time, lastTransitionTime: kept };
  });
}
