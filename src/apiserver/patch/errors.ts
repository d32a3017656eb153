/**
 * The error every patch routine throws. The HTTP layer turns it into a metav1.Status
 * with `code`; `causes` become `details.causes` (used for SSA conflicts, where kubectl
 * reads the conflicting field paths from them).
 */
export interface PatchErrorCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class PatchError extends Error {
  readonly code: number;
  readonly causes?: PatchErrorCause[];

  constructor(code: number, message: string, causes?: PatchErrorCause[]) {
    super(message);
    this.name = 'PatchError';
    this.code = code;
    if (causes !== undefined) this.causes = causes;
  }
}

/** 400: the patch document itself is malformed. */
export function badPatch(message: string): PatchError {
  return new PatchError(400, message);
}

/** 422: the patch is well-formed but cannot be applied to this object. */
export function invalidPatch(message: string): PatchError {
  return new PatchError(422, message);
}
