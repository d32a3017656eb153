import type { KubeObject, TableDefinition } from '../types.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { age, humanDuration } from './duration.js';
import { arr, num, obj, orNone, str, type Obj } from './values.js';

/** The pod row as kubectl 1.32's printPod computes READY, STATUS and RESTARTS. */
export function podCells(pod: KubeObject, now: Date): unknown[] {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const containers = arr(spec.containers);
  const initContainers = arr(spec.initContainers).map(obj);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = containers.length;
  let readyContainers = 0;
  let lastRestart = 0;
  let reason = str(status.phase);
  if (str(status.reason)) reason = str(status.reason);
  const restartable = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  totalContainers += restartable.size;
  const noteRestart = (cs: Obj): void => {
    const finished = str(obj(obj(cs.lastState).terminated).finishedAt);
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
  };
  for (const cs of arr(status.initContainerStatuses).map(obj)) {
    restarts += num(cs.restartCount);
    noteRestart(cs);
    if (restartable.has(str(cs.name))) {
      restartableInitRestarts += num(cs.restartCount);
      if (cs.started === true && cs.ready === true) readyContainers++;
    }
  }
  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses).map(obj);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const state = obj(cs.state);
    const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
    const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (restartable.has(str(cs.name)) && cs.started === true) continue;
    if (terminated) {
      reason = str(terminated.reason) ? `Init:${str(terminated.reason)}` : num(terminated.signal) ? `Init:Signal:${num(terminated.signal)}` : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }
  const conditions = arr(status.conditions).map(obj);
  const initializedTrue = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses).map(obj);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += num(cs.restartCount);
      noteRestart(cs);
      const state = obj(cs.state);
      const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
      const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (terminated && str(terminated.reason)) reason = str(terminated.reason);
      else if (terminated) reason = num(terminated.signal) ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      else if (cs.ready === true && state.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const phase = str(status.phase);
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  const gates = arr(spec.readinessGates).map(obj);
  let gatesText = '<none>';
  if (gates.length) {
    const trueConditions = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
    gatesText = `${trueConditions}/${gates.length}`;
  }
  return [
    pod.metadata.name, `${readyContainers}/${totalContainers}`, reason, restartText, age(pod.metadata.creationTimestamp, now),
    orNone(str(status.podIP)), orNone(str(spec.nodeName)), orNone(str(status.nominatedNodeName)), gatesText,
  ];
}

export const podTable: TableDefinition = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    wide('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    wide('Node', 'NodeName is a request to schedule this pod onto a specific node.'),
    wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
    wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  cells: podCells,
};
