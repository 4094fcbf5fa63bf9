// The evaluator service: telemetry first (so everything after is traced), then configuration, then
// the app. SIGINT/SIGTERM drain gracefully; a second signal exits at once.
import { colorsOnlyOnTerminals, loadServiceConfig } from '@cptflow/nest-host';
colorsOnlyOnTerminals();
import { startTelemetry, ConfigError } from '@cptflow/platform';
const telemetry = startTelemetry({ serviceName: 'cptflow-evaluator' });

import 'reflect-metadata';
import { checkTorchEnvironment } from '@cptflow/torch-engine';
import { EvaluatorApp } from './evaluator.app';
import { checkEvaluatorPaths, evaluatorConfigFrom, TaskDefinitionError, TaskSelectionError } from '@cptflow/evaluation';
import { ResultsError } from '@cptflow/results';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const evaluator = evaluatorConfigFrom(config);
  checkEvaluatorPaths(evaluator);
  // Scoring on the torch worker group: refuse at start (exit 2) when its Python or GPUs are missing.
  if (evaluator.engine === 'torch') checkTorchEnvironment(evaluator.torch);
  const app = await EvaluatorApp.start({ config, evaluator });
  console.log(`[evaluator] listening on ${app.url}; consuming ${config.topics.checkpoints} as ${evaluator.groupId} (${config.bus.kind} bus)`);
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    console.log(`[evaluator] ${signal}: draining`);
    app
      .stop()
      .then(() => telemetry.shutdown())
      .then(() => process.exit(0))
      .catch((error) => {
        console.error('[evaluator] shutdown failed', error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(`[evaluator] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  // A bad setting exits 2 (as every service), and so do what the settings name: unknown task names and
  // missing task files (tasks / taskDataDir), task definitions that are no task (taskDefinitionsDir), a
  // results database file that is no results database (sqlitePath); anything else (an unreachable
  // server, say) 1.
  const usage = error instanceof ConfigError || error instanceof TaskSelectionError || error instanceof TaskDefinitionError || error instanceof ResultsError;
  void telemetry.shutdown().finally(() => process.exit(usage ? 2 : 1));
});
