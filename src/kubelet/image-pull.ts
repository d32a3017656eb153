import type { KubeObject } from '../api/types.js';
import type { PodSandboxConfig } from './cri/types.js';
import type { KubeletContext, PodState } from './context.js';
import { podSpecOf, type ContainerSpec } from './pod-spec.js';
import { dockerKeyring, lookupCredentials } from './pull-secrets.js';
import { errorMessage } from './util.js';

/** The pull policy API defaulting gives: Always for `:latest` or untagged images, else IfNotPresent. */
export function pullPolicyOf(c: ContainerSpec): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const lastPart = c.image.split('/').pop() ?? '';
  if (c.image.includes('@')) return 'IfNotPresent';
  return !lastPart.includes(':') || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/**
 * The pod's imagePullSecrets that exist, as kubelet's getPullSecretsForPod: a missing one is
 * a FailedToRetrieveImagePullSecret warning, and the pull is still tried without it.
 */
async function podPullSecrets(ctx: KubeletContext, pod: KubeObject): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  const failed: string[] = [];
  for (const ref of podSpecOf(pod).imagePullSecrets ?? []) {
    if (!ref.name) continue;
    const secret = await ctx.read('secrets', pod.metadata.namespace, ref.name).catch(() => undefined);
    if (secret) found.push(secret);
    else failed.push(ref.name);
  }
  if (failed.length) {
    ctx.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${failed.join(', ')}); attempting to pull the image may not succeed.`);
  }
  return found;
}

/**
 * Pulls as kubelet's imageManager does: anonymously (the runtime's own registry config) when
 * no pull secret matches the image's registry, else with each matching credential in turn
 * until one works; all failing gives every error.
 */
async function pullWithSecrets(ctx: KubeletContext, image: string, secrets: KubeObject[], sandbox: PodSandboxConfig): Promise<void> {
  const credentials = lookupCredentials(dockerKeyring(secrets), image);
  if (!credentials.length) {
    await ctx.runtime.pullImage(image, undefined, sandbox);
    return;
  }
  const errors: string[] = [];
  for (const auth of credentials) {
    try {
      await ctx.runtime.pullImage(image, auth, sandbox);
      return;
    } catch (error: unknown) {
      errors.push(errorMessage(error));
    }
  }
  throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
}

/**
 * Makes sure the container's image is present, as kubelet's imageManager.EnsureImageExists:
 * per pull policy, with pull back-off, kubelet's events, and the waiting reason
 * (ErrImageNeverPull, ErrImagePull, ImagePullBackOff) left in `state` on failure.
 */
export async function ensureImage(ctx: KubeletContext, pod: KubeObject, state: PodState, c: ContainerSpec, sandbox: PodSandboxConfig): Promise<boolean> {
  const image = c.image;
  const policy = pullPolicyOf(c);
  const secrets = await podPullSecrets(ctx, pod);
  const present = await ctx.runtime.imageStatus(image);
  if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
    if (present) {
      ctx.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return true;
    }
    const message = `Container image "${image}" is not present with pull policy of Never`;
    state.waiting.set(c.name, { reason: 'ErrImageNeverPull', message });
    ctx.event(pod, 'Warning', 'ErrImageNeverPull', message);
    ctx.event(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull');
    return false;
  }
  const key = `${pod.metadata.uid ?? ''}/${image}`;
  if (ctx.pullBackOff.inBackOff(key)) {
    state.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
    ctx.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
    ctx.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    return false;
  }
  ctx.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
  const started = Date.now();
  try {
    await pullWithSecrets(ctx, image, secrets, sandbox);
  } catch (error: unknown) {
    ctx.pullBackOff.next(key);
    const message = `Failed to pull image "${image}": ${errorMessage(error)}`;
    state.waiting.set(c.name, { reason: 'ErrImagePull', message });
    ctx.event(pod, 'Warning', 'Failed', message);
    ctx.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    return false;
  }
  ctx.pullBackOff.reset(key);
  const took = `${((Date.now() - started) / 1000).toFixed(3)}s`;
  const size = (await ctx.runtime.imageStatus(image).catch(() => undefined))?.size ?? 0;
  ctx.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
  return true;
}
