/** What callers of a Client ask of its errors (StatusError in-process, or an HTTP client's). */

/** The HTTP status code of a client error, if any. */
export function statusCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusCode(error) === 404;
export const isConflict = (error: unknown): boolean => statusCode(error) === 409;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
