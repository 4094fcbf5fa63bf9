// The process the crash test kills: trains on a Kafka topic until it has trained `CRASH_SEQUENCES`
// domain rows, then stops gracefully (final checkpoint) and prints "done". With CRASH_PAUSE_MS it
// pauses at each point of a checkpoint and says so on stdout, so the parent can kill it there.
// CRASH_ENGINE=torch trains with libs/torch-engine.
import { KafkaBus } from '@cptflow/platform';
import { ContinuousTrainer } from '@cptflow/training';
import { testTrainerOptions, waitFor } from '@cptflow/training/testing';
import { torchEngine } from '@cptflow/torch-engine';

async function main(): Promise<void> {
  const env = process.env;
  const pauseMs = Number(env.CRASH_PAUSE_MS ?? 0);
  const total = Number(env.CRASH_SEQUENCES);
  const bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'crash-child', logLevel: 'nothing', onError: () => undefined });
  const log = (line: string) => process.stdout.write(line + '\n');
  const options = testTrainerOptions(bus, {
    topics: { sequences: env.CRASH_TOPIC!, checkpoints: env.CRASH_EVENTS! },
    tokensPerStep: 2 * 4 * 64,
    checkpoint: { dir: env.CRASH_CHECKPOINTS!, everyTokens: 2 * 2 * 4 * 64, keepLast: 2, keepEvery: 3, maxShardBytes: 1 << 20, memoryBudgetBytes: 8 << 20 },
    // CRASH_ENGINE=torch: the PyTorch worker group instead of ONNX Runtime (one thread: bit-identical reruns).
    engine: env.CRASH_ENGINE === 'torch' ? torchEngine({ threadsPerRank: 1 }, log) : undefined,
    log,
    checkpointHook: async (point) => {
      if (!pauseMs) return;
      process.stdout.write(`hook ${point}\n`);
      await new Promise((r) => setTimeout(r, pauseMs));
    },
  });
  const trainer = new ContinuousTrainer(options);
  await trainer.start();
  process.stdout.write('training\n');
  await waitFor(trainer, (t) => t.status.domainRows >= total, 300_000);
  await trainer.stop();
  await bus.close();
  process.stdout.write(`done ${trainer.status.step}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`crash child failed: ${(err as Error).stack}\n`);
    process.exit(1);
  },
);
