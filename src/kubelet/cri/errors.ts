import { status } from '@grpc/grpc-js';

/** A failed CRI call: the runtime's own message, with the gRPC status code kept for callers to branch on. */
export class CriError extends Error {
  constructor(readonly method: string, readonly code: status, message: string) {
    super(message);
    this.name = 'CriError';
  }
}

/** The runtime does not know the sandbox, container or image (e.g. it was removed meanwhile). */
export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.code === status.NOT_FOUND;
}
