// Every migration, oldest first. A schema change is a new file here, never an edit of an applied one.
import { CreateResultsSchema1764288000000 } from './1764288000000-create-results-schema';

export const RESULTS_MIGRATIONS = [CreateResultsSchema1764288000000];
