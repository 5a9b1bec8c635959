import { runBenchTask, type BenchTask } from '../node/bench-task';

/** Child process of `l2nas bench --jobs N`: runs the tasks it is sent, one at a time. */
process.on('message', (msg: { task?: BenchTask }) => {
  if (!msg || typeof msg !== 'object' || !msg.task) {
    process.send?.({ error: 'bench worker: expected {task}' });
    return;
  }
  runBenchTask(msg.task).then(
    (result) => process.send?.({ result }),
    (e: Error) => process.send?.({ error: e.message, id: msg.task!.id }),
  );
});
process.on('disconnect', () => process.exit(0));
