export { kubeTime, microTime } from '../api/time.js';
