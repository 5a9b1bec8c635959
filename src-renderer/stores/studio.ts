import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { RunEvent } from '../../src-main/contracts/run';
import type { DoctorInfo, EpochSummary, RunDetail, RunSummary, StartTrainingRequest, StudioCall, StudioEvent, StudioResults, TrainProgress, TrainRunDetail } from '../../src-main/contracts/studio-api';
import type { TrainEpoch } from '../../src-main/contracts/train';
import { getSpace } from '../../src-main/common/spaces';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import { TopKState } from '../../src-main/common/top-k-state';
import { ServerUnreachableError, studioApi, type Connection, type RendererApi } from '../api/studio-client';
import { plainMessage } from '../lib/form-polish';
import { offerEvent, RunSeries } from '../lib/run-series';

/** One run opened in the dashboard: its config, and its events as columns (appended live). */
export interface OpenRun {
  detail: RunDetail;
  series: RunSeries;
  space: SearchSpace<unknown>;
  /** The agent's state s_t, rebuilt from the events (the engine's TopKState). */
  topK: TopKState;
  /** Best query so far (arch text and value; OFA: the subnet's MACs and parameters at the run's resolution). Over-budget subnets never are. */
  best: { arch: string; value: number; step: number; macs?: number; params?: number } | null;
  /** Subnets above the run's MAC budget so far: rejected before querying (events marked overBudget). */
  overBudget: number;
  progress: string | null;
  /** Supernet runs: live training progress, and the finished epochs. */
  training: { now: TrainProgress | null; epochs: EpochSummary[] };
}

/** A training run opened in its dashboard: its detail, live batch progress and finished epochs. */
export interface OpenTraining {
  detail: TrainRunDetail;
  now: TrainProgress | null;
  epochs: TrainEpoch[];
}

/** openRun of a training run: it has its own dashboard (#/train/<id>). */
export class TrainingRunError extends Error {}

/** An API failure turned into an Error with the server's message (what and where). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** window.api in the app, the serve client in a browser (made on first use). */
let api: RendererApi | null = null;
function theApi(): RendererApi {
  return (api ??= studioApi());
}

export async function call<M extends StudioCall['method']>(c: Extract<StudioCall, { method: M }>): Promise<StudioResults[M]> {
  const r = await theApi().call<M>(c);
  if (!r.ok) throw new ApiError(r.error.code, plainMessage(r.error.message)); // one voice: no raw errno codes
  return r.value;
}

/** Starts a training run (TrainForm's `start`): its id, or the server's refusal as an Error. */
export async function startTraining(request: StartTrainingRequest): Promise<string> {
  return (await call({ method: 'startTraining', request })).id;
}

/** Shows a training run's dashboard. */
export function goToTraining(id: string): void {
  location.hash = `#/train/${encodeURIComponent(id)}`;
}

/** One file of a run's exports/ as a Blob (see RendererApi.exportBlob). */
export function exportBlob(id: string, name: string): Promise<Blob> {
  return theApi().exportBlob(id, name);
}

/** While running runs are listed, the list is re-read this often (runs made by the CLI stream no events here). */
export const RUNS_POLL_MS = 5000;

/**
 * The renderer's state: the run list, the runs open in dashboards (large event series kept
 * out of Vue's deep reactivity; `version` ticks when they grow, and charts redraw throttled).
 */

export const useStudio = defineStore('studio', () => {
  const runs = ref<RunSummary[]>([]);
  const runsError = ref<string | null>(null);
  const open = shallowRef(new Map<string, OpenRun>());
  const trainings = shallowRef(new Map<string, OpenTraining>());
  const version = ref(0);
  const doctor = ref<DoctorInfo | null>(null);
  /** The event stream: while it is down the page shows a banner and the data is as last seen. */
  const connection = ref<Connection>({ state: 'connecting', attempt: 0, retryInMs: null });
  /** The stream was lost and is not back yet (not the first connection still under way). */
  const serverDown = computed(() => connection.value.state !== 'connected' && (connection.value.state !== 'connecting' || connection.value.attempt > 0));
  let unsubscribe: (() => void) | null = null;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let bumpTimer: ReturnType<typeof setTimeout> | null = null;
  const lastCatchUp = new Map<string, number>();
  /** Runs whose worker failed before their folder existed (e.g. an unreadable dataset): why. */
  const startFailures = new Map<string, string>();

  /** Views recompute from the series when `version` ticks: at most 5 times a second. */
  function bump(): void {
    if (bumpTimer) return;
    bumpTimer = setTimeout(() => {
      bumpTimer = null;
      version.value++;
    }, 200);
  }

  async function refreshRuns(): Promise<void> {
    try {
      runs.value = await call({ method: 'listRuns' });
      runsError.value = null;
    } catch (e) {
      // A server that does not answer is the banner's news; the list stays as last seen.
      runsError.value = e instanceof ServerUnreachableError ? null : (e as Error).message;
    }
  }

  /** A query event of any run moves its row in the run list at once (no wait for the next poll). */
  function patchSummary(runId: string, e: RunEvent): void {
    const row = runs.value.find((r) => r.id === runId);
    if (!row) return;
    if (e.step + 1 > row.stepsDone) row.stepsDone = e.step + 1;
    if (row.best === null || e.best > row.best) row.best = e.best;
    row.seconds = e.seconds;
  }

  /**
   * After every (re)connection: the run list, and each open run's status and the events it
   * missed while the stream was down (getEvents from the last step it has).
   */
  async function resync(): Promise<void> {
    await refreshRuns();
    for (const id of [...open.value.keys(), ...trainings.value.keys()]) await reloadDetail(id).catch(() => {});
    if (!doctor.value) void call({ method: 'doctor' }).then((d) => (doctor.value = d), () => {});
  }

  function onConnection(c: Connection): void {
    const was = connection.value.state;
    connection.value = c;
    if (c.state === 'connected' && was !== 'connected') void resync();
  }

  function append(run: OpenRun, e: RunEvent): void {
    if (e.step < run.series.length) return; // already have it (loaded, then streamed)
    run.series.push(e);
    offerEvent(run.topK, run.space, e);
    if (e.overBudget) run.overBudget++;
    else if (!run.best || e.value > run.best.value) run.best = { arch: e.arch, value: e.value, step: e.step, ...(e.macs !== undefined ? { macs: e.macs } : {}), ...(e.params !== undefined ? { params: e.params } : {}) };
  }

  /** Loads a run (any status, including CLI-made runs) and keeps it updated while it goes. */
  async function openRun(id: string): Promise<OpenRun> {
    const detail = await call({ method: 'getRun', id });
    if (detail.kind === 'train') throw new TrainingRunError(`run ${id} is a training run`);
    const space = getSpace(detail.config.space);
    const run: OpenRun = markRaw({
      detail,
      series: new RunSeries(),
      space,
      topK: new TopKState(detail.config.agent.topK, space.dim),
      best: null,
      overBudget: 0,
      progress: null,
      training: { now: null, epochs: [...detail.training] },
    });
    const m = new Map(open.value);
    m.set(id, run);
    open.value = m;
    await catchUp(id);
    return run;
  }

  async function catchUp(id: string): Promise<void> {
    const run = open.value.get(id);
    if (!run) return;
    const events = await call({ method: 'getEvents', id, from: run.series.length });
    for (const e of events) append(run, e);
    version.value++;
  }

  /** Loads a training run and keeps it updated while it trains. */
  async function openTraining(id: string): Promise<OpenTraining> {
    const detail = await call({ method: 'getRun', id });
    if (detail.kind !== 'train') throw new Error(`run ${id} is a search run, not a training run`);
    const t: OpenTraining = markRaw({ detail, now: null, epochs: [...detail.history] });
    const m = new Map(trainings.value);
    m.set(id, t);
    trainings.value = m;
    version.value++;
    return t;
  }

  async function reloadTraining(id: string): Promise<void> {
    const t = trainings.value.get(id);
    if (!t) return;
    const d = await call({ method: 'getRun', id });
    if (d.kind !== 'train') return;
    t.detail = d;
    if (d.history.length >= t.epochs.length) t.epochs = [...d.history];
    if (d.summary.status !== 'running') t.now = null;
    version.value++;
  }

  async function reloadDetail(id: string): Promise<void> {
    if (trainings.value.has(id)) return reloadTraining(id);
    const run = open.value.get(id);
    if (!run) return;
    const d = await call({ method: 'getRun', id });
    if (d.kind === 'train') return;
    run.detail = d;
    if (run.detail.training.length >= run.training.epochs.length) run.training.epochs = [...run.detail.training];
    await catchUp(id);
  }

  function onStudioEvent(e: StudioEvent): void {
    const run = open.value.get(e.runId);
    const t = trainings.value.get(e.runId);
    if (t && (e.kind === 'train-progress' || e.kind === 'train-epoch')) {
      if (e.kind === 'train-progress') t.now = e.progress;
      else {
        t.epochs = [...t.epochs.filter((x) => x.epoch < e.epoch.epoch), e.epoch];
        const row = runs.value.find((r) => r.id === e.runId);
        if (row) row.stepsDone = e.epoch.epoch;
      }
      bump();
    } else if (e.kind === 'train-epoch') {
      const row = runs.value.find((r) => r.id === e.runId);
      if (row) row.stepsDone = e.epoch.epoch;
    } else if (e.kind === 'event') {
      patchSummary(e.runId, e.event);
      if (!run) return;
      // A gap (events missed while the socket reconnected): fetch what is missing from the file.
      if (e.event.step > run.series.length) void catchUp(e.runId).catch(() => {});
      else {
        append(run, e.event);
        bump();
      }
    } else if (e.kind === 'train-progress') {
      if (run) {
        run.training.now = e.progress;
        bump();
      }
    } else if (e.kind === 'epoch') {
      if (run) {
        run.training.epochs = [...run.training.epochs.filter((x) => x.epoch < e.epoch.epoch), e.epoch];
        bump();
      }
    } else if (e.kind === 'progress') {
      if (run) {
        run.progress = e.line;
        bump();
        // Supernet runs stream progress lines, not query events: read new events from the file.
        const now = Date.now();
        if (now - (lastCatchUp.get(e.runId) ?? 0) > 1000) {
          lastCatchUp.set(e.runId, now);
          void catchUp(e.runId).catch(() => {});
        }
      }
    } else {
      if (e.status === 'failed' && !run && e.error) startFailures.set(e.runId, e.error);
      void refreshRuns();
      if (run || t) void reloadDetail(e.runId).catch(() => {});
    }
  }

  function connect(): void {
    if (unsubscribe) return;
    // Every connection, the first included, starts with resync (run list, open runs, doctor).
    const offConnection = theApi().onConnection(onConnection);
    const offEvents = theApi().onEvent(onStudioEvent);
    pollTimer = setInterval(() => {
      if (connection.value.state === 'connected' && runs.value.some((r) => r.status === 'running')) void refreshRuns();
    }, RUNS_POLL_MS);
    unsubscribe = () => {
      offEvents();
      offConnection();
      if (pollTimer) clearInterval(pollTimer);
    };
  }

  function disconnect(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function control(id: string, action: 'pauseRun' | 'resumeRun' | 'cancelRun'): Promise<void> {
    await call({ method: action, id });
    await reloadDetail(id);
    await refreshRuns();
  }

  async function deleteRun(id: string): Promise<void> {
    await call({ method: 'deleteRun', id });
    const m = new Map(open.value);
    m.delete(id);
    open.value = m;
    const mt = new Map(trainings.value);
    mt.delete(id);
    trainings.value = mt;
    await refreshRuns();
  }

  return { runs, runsError, open, trainings, version, doctor, connection, serverDown, startFailures, connect, disconnect, refreshRuns, openRun, openTraining, reloadDetail, control, deleteRun };
});
