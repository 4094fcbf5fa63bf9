// Every migration, oldest first. A schema change is a new file here, never an edit of an applied one.
import { CreateResultsSchema1764288000000 } from './1764288000000-create-results-schema';
import { EvalWorkflowsSampleRequests1764950000000 } from './1764950000000-eval-workflows-sample-requests';
import { HardenCoreEvaluationJobs1764950200000 } from './1764950200000-harden-core-evaluation-jobs';
import { DashboardTelemetry1764950400000 } from './1764950400000-dashboard-telemetry';

export const RESULTS_MIGRATIONS = [
  CreateResultsSchema1764288000000,
  EvalWorkflowsSampleRequests1764950000000,
  HardenCoreEvaluationJobs1764950200000,
  DashboardTelemetry1764950400000,
];
