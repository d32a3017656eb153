export type * from './types.js';
export { InProcessClient } from './inprocess.js';
export { EventRecorder, type InvolvedObject } from './events.js';
export { Informer, type InformerHandlers, type InformerOptions } from './informer.js';
