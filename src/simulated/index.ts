export { SimulatedNodes, type SimulatedNodesOptions } from './nodes.js';
export { SimulatedNode } from './node.js';
export { parseGoDuration } from './duration.js';
export { durationAnnotation, exitCodeAnnotation } from './annotations.js';
