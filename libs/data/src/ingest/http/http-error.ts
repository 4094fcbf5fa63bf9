// The one error type of the HTTP layer: a status, a message safe to show the client, optional headers.
export class IngestHttpError extends Error {
  override readonly name = 'IngestHttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra JSON fields for the response body (for example what was published before a 413). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
