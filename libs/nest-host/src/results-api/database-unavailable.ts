// Read routes that touch the database answer 503 with a sentence when it does not answer, never a
// bare 500: the dashboard shows the sentence. Missing and malformed things stay 404 / 400.
import { ServiceUnavailableException } from '@nestjs/common';
import { ResultsError } from '@cptflow/results';

export async function orDatabaseUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ResultsError) throw error;
    throw new ServiceUnavailableException(`the results database is not answering: ${(error as Error).message}`);
  }
}
