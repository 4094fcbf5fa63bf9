// The one error type of the results layer. The API maps `notFound` to 404 and `invalid` to 400; the
// evaluator treats `invalid` as a bug in what it tried to store.
export type ResultsErrorKind = 'notFound' | 'invalid';

export class ResultsError extends Error {
  constructor(
    readonly kind: ResultsErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ResultsError';
  }

  static notFound(message: string): ResultsError {
    return new ResultsError('notFound', message);
  }

  static invalid(message: string): ResultsError {
    return new ResultsError('invalid', message);
  }
}
