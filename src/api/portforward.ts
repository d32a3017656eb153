import type { Duplex } from 'node:stream';
import type { KubeObject } from './types.js';

/**
 * Opens a connection to a port of a pod, inside the pod's network namespace (so a server bound
 * to localhost is reached, as with the kubelet). The connection's errors — refused, unreachable —
 * are destroy errors of the returned stream, worded for the user.
 */
export type PodPortDialer = (port: number) => Duplex;

/**
 * Where a pod's ports are reached from: the node agent that runs the pod. It finds the pod's
 * sandbox (throwing a PodExecError-like error the API turns into an HTTP answer) and returns the
 * dialer, plus the sandbox id kubelet names in its error messages.
 */
export type PodPortForwardSource = (pod: KubeObject) => Promise<{ podSandboxId: string; dial: PodPortDialer }>;
