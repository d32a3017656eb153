// kube-scheduler for litekube: `new Scheduler({ client }).run(signal)`, plus its parts for tests and tools.
export { Scheduler, type SchedulerOptions, type SchedulerStats, type Log } from './scheduler.js';
export { Algorithm, FitError, fitErrorMessage, preemptionMessage, filterNode, preFilter, scoreNodes, NO_NODES_AVAILABLE, SCORE_WEIGHTS, type AlgorithmOptions, type CycleState, type ScheduleResult } from './algorithm.js';
export { SchedulerCache, NodeInfo, newPodInfo, podKey, type PodInfo, type HostPort } from './cache.js';
export { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './queue.js';
export { podRequests, podNonZeroRequests, nodeAllocatable } from './resources.js';
export { labelSelectorMatches, nodeSelectorTermMatches, nodeSelectorTermsMatch, toleratesTaint } from './selectors.js';
export { nodeUnschedulableFilter } from './plugins/node-unschedulable.js';
export { nodeNameFilter } from './plugins/node-name.js';
export { nodeAffinityFilter, nodeAffinityScore, matchesNodeSelectorAndAffinity } from './plugins/node-affinity.js';
export { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';
export { nodePortsFilter } from './plugins/node-ports.js';
export { nodeResourcesFitFilter, leastAllocatedScore, balancedAllocationScore } from './plugins/node-resources.js';
export { topologySpreadPreFilter, topologySpreadFilter } from './plugins/topology-spread.js';
export { interPodAffinityPreFilter, interPodAffinityFilter } from './plugins/inter-pod-affinity.js';
export type { FilterStatus, StatusCode } from './plugins/status.js';
export type * from './types.js';
