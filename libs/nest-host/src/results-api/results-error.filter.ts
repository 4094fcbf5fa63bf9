// Turns the results layer's errors into HTTP answers shaped like Nest's own: missing things are 404,
// malformed requests 400. Other errors fall through to Nest's handler (500).
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { ResultsError } from '@cptflow/results';
import { EvaluationBodyError } from './validation/evaluation-body';

interface JsonResponse {
  status(code: number): JsonResponse;
  json(body: unknown): void;
}

@Catch(ResultsError, EvaluationBodyError)
export class ResultsErrorFilter implements ExceptionFilter {
  catch(error: ResultsError | EvaluationBodyError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    const notFound = error instanceof ResultsError && error.kind === 'notFound';
    const statusCode = notFound ? 404 : 400;
    response.status(statusCode).json({ statusCode, error: notFound ? 'Not Found' : 'Bad Request', message: error.message });
  }
}
