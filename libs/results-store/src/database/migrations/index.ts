// Every migration, oldest first. A schema change is a new file here, never an edit of an applied one.
import { CreateResultsSchema1764288000000 } from './1764288000000-create-results-schema';
import { HardenCoreEvaluationJobs1764950000000 } from './1764950000000-harden-core-evaluation-jobs';

export const RESULTS_MIGRATIONS = [CreateResultsSchema1764288000000, HardenCoreEvaluationJobs1764950000000];
