export { Kubelet, type KubeletOptions } from './kubelet.js';
export { podLogSource, parseCriLogLine } from './logs.js';
export { podExecSource } from './exec.js';
export { podPortForwardSource } from './port-forward.js';
export { podAttachSource } from './attach.js';
export { sampleMachine } from './machine.js';
