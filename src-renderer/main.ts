import { studioApi } from './api/studio-client';

// Placeholder view until the Vue renderer lands: run list + live event count.
const api = studioApi();
const tbody = document.querySelector('#runs tbody')!;
const live = document.getElementById('live')!;
let count = 0;

async function refresh(): Promise<void> {
  const r = await api.call({ method: 'listRuns' });
  if (!r.ok) return;
  tbody.replaceChildren(
    ...r.value.map((run) => {
      const tr = document.createElement('tr');
      for (const v of [run.id, run.status, run.method, run.metric, `${run.stepsDone}/${run.steps}`, run.best?.toFixed(2) ?? '–']) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }),
  );
}

api.onEvent((e) => {
  if (e.kind === 'event') live.textContent = `${++count} events; last: step ${e.event.step} of ${e.runId}, best ${e.event.best.toFixed(2)}`;
  else void refresh();
});
void refresh();
