import type { KubeObject } from '../api/types.js';
import type { ContainerRuntime } from './cri/types.js';
import type { PodState } from './context.js';
import { podSpecOf, type ContainerSpec, type Probe } from './pod-spec.js';
import { runProbe } from './probe-check.js';
import type { RuntimePod } from './runtime-view.js';

type Kind = 'startup' | 'readiness' | 'liveness';

const title: Record<Kind, string> = { startup: 'Startup', readiness: 'Readiness', liveness: 'Liveness' };

interface Loop {
  uid: string;
  timer: NodeJS.Timeout;
}

const supported = (p: Probe | undefined): p is Probe => Boolean(p?.httpGet || p?.tcpSocket || p?.exec || p?.grpc);

/**
 * kubelet's prober workers: one loop per running container and probe kind, probing every
 * periodSeconds after initialDelaySeconds and flipping the result only after successThreshold
 * successes or failureThreshold failures. A startup probe runs alone until it succeeds (then
 * state.started has the container and the other probes begin); readiness lands in
 * state.readiness (false until the first success); a liveness or startup failure puts the
 * container in state.unhealthy for a restart.
 */
export class ProbeManager {
  private readonly loops = new Map<string, Loop>();

  constructor(
    private readonly event: (pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void,
    private readonly runtime: ContainerRuntime,
  ) {}

  /** Starts loops for newly running containers and drops those of containers no longer running. */
  track(pod: KubeObject, state: PodState, runtime: RuntimePod, podIP: string | undefined, onChange: () => void): void {
    const uid = pod.metadata.uid ?? '';
    const wanted = new Set<string>();
    const spec = podSpecOf(pod);
    for (const c of [...spec.containers, ...(spec.initContainers ?? []).filter((i) => i.restartPolicy === 'Always')]) {
      const latest = runtime.containers.get(c.name)?.[0];
      if (!latest || latest.state !== 'CONTAINER_RUNNING' || !podIP) continue;
      const starting = supported(c.startupProbe) && !state.started.has(latest.id);
      const probes: Array<[Kind, Probe | undefined]> = starting ? [['startup', c.startupProbe]] : [['readiness', c.readinessProbe], ['liveness', c.livenessProbe]];
      for (const [kind, probe] of probes) {
        if (!supported(probe)) continue;
        const key = `${uid}/${latest.id}/${kind}`;
        wanted.add(key);
        if (!this.loops.has(key)) this.start(key, uid, latest.id, kind, probe, c, pod, state, podIP, onChange);
      }
    }
    for (const [key, loop] of this.loops) {
      if (loop.uid === uid && !wanted.has(key)) this.stop(key);
    }
  }

  forget(uid: string): void {
    for (const [key, loop] of this.loops) if (loop.uid === uid) this.stop(key);
  }

  stopAll(): void {
    for (const key of [...this.loops.keys()]) this.stop(key);
  }

  private stop(key: string): void {
    const loop = this.loops.get(key);
    if (loop) clearTimeout(loop.timer);
    this.loops.delete(key);
  }

  private start(key: string, uid: string, id: string, kind: Kind, probe: Probe, c: ContainerSpec, pod: KubeObject, state: PodState, podIP: string, onChange: () => void): void {
    const periodMs = Math.max(1, probe.periodSeconds ?? 10) * 1000;
    const successThreshold = Math.max(1, probe.successThreshold ?? 1);
    const failureThreshold = Math.max(1, probe.failureThreshold ?? 3);
    let ok = kind === 'liveness';
    const threshold = kind === 'readiness' ? successThreshold : 1;
    let successes = 0;
    let failures = 0;
    const tick = async (): Promise<void> => {
      const result = await runProbe(probe, c, podIP, id, this.runtime);
      if (!this.loops.has(key)) return;
      if (result.ok) {
        failures = 0;
        successes++;
        if (!ok && successes >= threshold) {
          ok = true;
          if (kind === 'readiness') {
            state.readiness.set(id, true);
            onChange();
          } else if (kind === 'startup') {
            state.started.add(id);
            this.stop(key);
            onChange();
            return;
          }
        }
      } else {
        successes = 0;
        failures++;
        this.event(pod, 'Warning', 'Unhealthy', `${title[kind]} probe failed: ${result.message}`);
        if (failures >= failureThreshold && (ok || kind !== 'readiness')) {
          ok = false;
          if (kind === 'readiness') state.readiness.set(id, false);
          else {
            state.unhealthy.set(id, kind);
            this.stop(key);
          }
          onChange();
        }
      }
      const loop = this.loops.get(key);
      if (loop) loop.timer = schedule(periodMs);
    };
    const schedule = (ms: number): NodeJS.Timeout => {
      const timer = setTimeout(() => void tick(), ms);
      timer.unref();
      return timer;
    };
    if (kind === 'readiness') state.readiness.set(id, false);
    this.loops.set(key, { uid, timer: schedule(Math.max(0, probe.initialDelaySeconds ?? 0) * 1000) });
  }
}
