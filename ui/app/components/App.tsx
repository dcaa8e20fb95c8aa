import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiUrl, getArray, getJson, saveBlob } from '../lib/api.ts';
import { batchMismatch, manifestMismatch } from '../lib/compare.ts';
import { gridPng } from '../lib/export.ts';
import { agreements, disagreement, type Filter, ranges, visibleRows } from '../../render/batch.ts';
import { colorLut, defaultColorMap } from '../../render/colormaps.ts';
import type { JobInfo, LoadedBatch, Manifest, RunSummary, Samples, Settings } from '../lib/types.ts';
import { prepareView } from '../lib/view.ts';
import { BatchNav } from './BatchNav.tsx';
import { ComparePicker } from './ComparePicker.tsx';
import { Controls } from './Controls.tsx';
import { Conventions } from './Conventions.tsx';
import { Distribution } from './Distribution.tsx';
import { Grid } from './Grid.tsx';
import { MetricsPanel } from './MetricsPanel.tsx';
import { loadBatchMetrics } from '../lib/metrics.ts';
import { Progress } from './Progress.tsx';
import { RunForm } from './RunForm.tsx';
import { JobStatus } from './JobStatus.tsx';
import { RunPicker } from './RunPicker.tsx';
import { SampleView } from './SampleView.tsx';
import { isNavigation, parseViewState, type SampleState, viewQuery, type ViewState } from '../lib/url-state.ts';
import { followEvents } from '../lib/follow.ts';

async function loadBatch(manifest: Manifest, index: number): Promise<LoadedBatch> {
  const base = `/runs/${manifest.id}/batches/${index}`;
  // The run's creation time in the URL: a finished batch is cached by the browser for good, and a
  // run made again under the same id has other URLs.
  const v = `?v=${encodeURIComponent(manifest.createdAt)}`;
  const [samples, inputs, ...maps] = await Promise.all([
    getJson<Samples>(`${base}${v}`),
    getArray(`${base}/inputs${v}`),
    ...manifest.methods.map((m) => getArray(`${base}/maps/${m.id}${v}`)),
  ]);
  return {
    run: manifest.id,
    index,
    samples,
    inputs,
    maps: Object.fromEntries(manifest.methods.map((m, i) => [m.id, maps[i]])),
  };
}

/** The shown run's batch and those of the compared runs that hold the same samples. */
interface Loaded {
  key: string;
  index: number;
  parts: { manifest: Manifest; batch: LoadedBatch }[];
  /** Why a compared run is not shown beside this batch. */
  notes: string[];
}

async function loadParts(base: Manifest, compare: string[], index: number): Promise<Loaded> {
  const notes: string[] = [];
  const key = [base.id, ...compare].join(',');
  const opened = await Promise.allSettled(compare.map((id) => getJson<Manifest>(`/runs/${id}`)));
  const others: Manifest[] = [];
  opened.forEach((r, i) => {
    if (r.status === 'rejected') notes.push(`cannot compare with '${compare[i]}': ${(r.reason as Error).message}`);
    else {
      const why = manifestMismatch(base, r.value);
      if (why) notes.push(why);
      else others.push(r.value);
    }
  });
  const batches = await Promise.allSettled(
    [base, ...others].map((m) =>
      m.batches.some((b) => b.index === index)
        ? loadBatch(m, index)
        : Promise.reject(new Error(`'${m.id}' has no batch ${index + 1} yet (it has ${m.batches.length})`))
    ),
  );
  if (batches[0].status === 'rejected') throw batches[0].reason;
  const first = batches[0].value;
  const parts = [{ manifest: base, batch: first }];
  const baseKey = { run: base.id, ids: first.samples.ids, inputsShape: first.inputs.shape };
  others.forEach((m, i) => {
    const r = batches[i + 1];
    if (r.status === 'rejected') return void notes.push((r.reason as Error).message);
    const why = batchMismatch(
      baseKey,
      { run: m.id, ids: r.value.samples.ids, inputsShape: r.value.inputs.shape },
      index,
    );
    if (why) notes.push(why);
    else parts.push({ manifest: m, batch: r.value });
  });
  return { key, index, parts, notes };
}

function parseFilter(f: string): Filter {
  if (f.startsWith('class:')) return { kind: 'class', index: Number(f.slice(6)) };
  return { kind: f as 'all' | 'correct' | 'wrong' | 'differ' };
}

const INITIAL = parseViewState(location.search);

export function App() {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [runId, setRunId] = useState<string | null>(INITIAL.run);
  const [compare, setCompare] = useState<string[]>(INITIAL.compare);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [batchIndex, setBatchIndex] = useState(INITIAL.batch);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [settings, setSettings] = useState<Settings>(INITIAL.settings);
  const [open, setOpen] = useState<SampleState | null>(INITIAL.open);
  // Another run is shown from its first batch (or the batch a link or back/forward names), in one update.
  const chooseRun = (id: string, batch = 0, sample: SampleState | null = null) => {
    setRunId(id);
    setBatchIndex(batch);
    setOpen(sample);
  };
  const [showForm, setShowForm] = useState(false);
  const [job, setJob] = useState<JobInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Methods failing a sanity check, marked in the grid's header (from the metrics panel).
  const [failing, setFailing] = useState<Record<string, string>>({});
  useEffect(() => setFailing({}), [runId]);

  const refreshRuns = useCallback(() =>
    getJson<{ runs: RunSummary[] }>('/runs').then((r) => {
      setRuns(r.runs);
      setRunId((id) => id ?? r.runs[0]?.id ?? null);
    }).catch((e) => setError(e.message)), []);
  useEffect(() => void refreshRuns(), []);

  const active = job?.state === 'running' || job?.state === 'queued';
  const launching = active && job?.runId === runId;
  useEffect(() => {
    if (!runId) return;
    setManifest(null);
    setLoaded(null);
    // A run just launched has no manifest until its process starts; the poller below waits for it.
    if (!launching) getJson<Manifest>(`/runs/${runId}`).then(setManifest).catch((e) => setError(e.message));
  }, [runId]);

  // While the run is being written (here or by the CLI), follow its manifest: by server-sent
  // events, or by polling where the page cannot keep a stream open.
  const following = manifest?.status === 'running' || launching;
  useEffect(() => {
    if (!following || !runId) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    let listed = false;
    const show = (m: Manifest) => {
      setManifest(m);
      if (!listed) {
        listed = true;
        getJson<{ runs: RunSummary[] }>('/runs').then((list) => setRuns(list.runs)).catch(() => {});
      }
    };
    const poll = () => {
      timer ??= setInterval(async () => {
        try {
          const list = await getJson<{ runs: RunSummary[] }>('/runs');
          if (!list.runs.some((r) => r.id === runId)) return;
          show(await getJson<Manifest>(`/runs/${runId}`));
        } catch (e) {
          setError((e as Error).message);
        }
      }, 400);
    };
    return followEvents(apiUrl(`/runs/${runId}/events`), 'manifest', show, () => {
      poll();
      return () => clearInterval(timer);
    });
  }, [following, runId]);

  // A run started here: its job's state (and error) by server-sent events, else by polling.
  const jobRunning = active ? job!.id : null;
  useEffect(() => {
    if (!jobRunning) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = () => {
      timer ??= setInterval(() => getJson<JobInfo>(`/jobs/${jobRunning}`).then(setJob).catch(() => {}), 400);
    };
    return followEvents(apiUrl(`/jobs/${jobRunning}/events`), 'job', setJob, () => {
      poll();
      return () => clearInterval(timer);
    });
  }, [jobRunning]);
  useEffect(() => {
    if (!job || job.state === 'running' || job.state === 'queued') return;
    refreshRuns();
    // The job may end before the run's stream delivered its last manifest: read it once more.
    if (job.runId === runId) getJson<Manifest>(`/runs/${runId}`).then(setManifest).catch(() => {});
  }, [job?.state]);

  // The picker's line of the shown run follows its manifest (batches done, status).
  useEffect(() => {
    if (!manifest) return;
    setRuns((rs) =>
      rs.map((r) =>
        r.id === manifest.id && (r.batches !== manifest.batches.length || r.status !== manifest.status)
          ? { ...r, batches: manifest.batches.length, status: manifest.status }
          : r
      )
    );
  }, [manifest]);

  // The URL names everything shown, so any view can be linked and reloaded; moving to another
  // run, batch or sample is a history entry (back and forward), a setting is changed in place.
  const compareKey = compare.filter((id) => id !== runId).join(',');
  const shown: ViewState = {
    run: runId,
    compare: compareKey ? compareKey.split(',') : [],
    batch: batchIndex,
    open,
    settings,
  };
  const lastShown = useRef<ViewState | null>(null);
  // Before paint, so the address bar never lags what is on screen (a reload right after a change).
  useLayoutEffect(() => {
    const query = viewQuery(location.search, shown);
    const before = lastShown.current;
    lastShown.current = shown;
    if (query === location.search) return;
    const url = `${location.pathname}${query}`;
    if (before?.run && isNavigation(before, shown)) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
  }, [runId, compareKey, batchIndex, open, settings]);
  useEffect(() => {
    const onPop = () => {
      const s = parseViewState(location.search);
      lastShown.current = s;
      setCompare(s.compare);
      setSettings(s.settings);
      if (s.run) setRunId(s.run);
      setBatchIndex(s.batch);
      setOpen(s.open);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const available = manifest?.batches.length ?? 0;
  useEffect(() => {
    if (!manifest || batchIndex >= available) return;
    const key = [manifest.id, ...(compareKey ? compareKey.split(',') : [])].join(',');
    if (loaded && loaded.key === key && loaded.index === batchIndex) return;
    // An answer overtaken by a later choice (another batch, a comparison removed) is dropped.
    let current = true;
    loadParts(manifest, compareKey ? compareKey.split(',') : [], batchIndex).then(
      (l) => current && setLoaded(l),
      (e) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [manifest?.id, batchIndex, available, compareKey]);

  const view = useMemo(
    () => (manifest && loaded && loaded.parts[0].manifest.id === manifest.id ? prepareView(loaded.parts) : null),
    [loaded, manifest?.id],
  );
  const rangesByMethod = useMemo(
    () => view?.methods.map((m) => ranges(m, settings.norm, settings.clip)) ?? [],
    [view, settings.norm, settings.clip],
  );
  const luts = useMemo(
    () =>
      view?.methods.map((m) => colorLut(settings.cmap === 'auto' ? defaultColorMap(m.signed) : settings.cmap)) ?? [],
    [view, settings.cmap],
  );
  const disagreements = useMemo(() => {
    if (!view || settings.sort !== 'disagreement') return null;
    return view.info.map((_, i) => disagreement(agreements(view.methods, i)));
  }, [view, settings.sort]);
  // Per-sample metric values of the shown batch: sort keys of the grid (`metric:ID:METHOD`).
  const [metricValues, setMetricValues] = useState<Record<string, Record<string, (number | null)[]>>>({});
  const metricCount = manifest?.metrics?.reduce((n, m) => n + m.batches.length, 0) ?? 0;
  useEffect(() => {
    setMetricValues({});
    if (!manifest || metricCount === 0 || batchIndex >= available) return;
    loadBatchMetrics(manifest.id, batchIndex).then(setMetricValues).catch(() => {});
  }, [manifest?.id, batchIndex, metricCount]);
  const metricKeys = useMemo(
    () =>
      (manifest?.metrics ?? []).flatMap((m) =>
        m.methods.map((method) => ({
          value: `metric:${m.id}:${method}`,
          label: `${m.id} of ${method} (worst first)`,
        }))
      ),
    [manifest?.id, manifest?.metrics?.length],
  );
  const metricOf = useCallback((i: number) => {
    if (!settings.sort.startsWith('metric:')) return NaN;
    const [, id, method] = settings.sort.split(':');
    const record = manifest?.metrics?.find((m) => m.id === id);
    const v = metricValues[id]?.[method]?.[i];
    if (!record || v === null || v === undefined) return NaN;
    return record.higherIsBetter ? v : -v;
  }, [settings.sort, metricValues, manifest?.metrics]);
  const rows = useMemo(
    () =>
      view
        ? visibleRows(
          view.info,
          parseFilter(settings.filter === 'differ' && view.runs.length < 2 ? 'all' : settings.filter),
          settings.sort,
          (i) => disagreements?.[i] ?? 0,
          view.runs.slice(1).map((r) => r.info),
          metricOf,
        )
        : [],
    [view, settings.filter, settings.sort, disagreements, metricOf],
  );

  const classNames = view?.samples.classNames ??
    (manifest ? Array.from({ length: manifest.model.numClasses }, (_, i) => String(i)) : []);
  const onOpen = useCallback(
    (sample: number, method: number) => setOpen({ sample, method, scale: 'each', explain: null }),
    [],
  );
  const onStarted = (j: JobInfo) => {
    setShowForm(false);
    setJob(j);
    chooseRun(j.runId);
    setRuns((r) =>
      r.some((x) => x.id === j.runId) ? r : [{
        id: j.runId,
        status: 'running',
        createdAt: '',
        updatedAt: '',
        batches: 0,
        methods: [],
        model: '…',
        dataset: '…',
      }, ...r]
    );
  };
  const exportGrid = async () => {
    if (!view || !loaded) return;
    const png = await gridPng({
      view,
      rows,
      ranges: rangesByMethod,
      luts,
      settings,
      manifests: loaded.parts.map((p) => p.manifest),
    });
    saveBlob(png, `${view.run}-batch${view.batch}.png`);
  };

  return (
    <div class='app'>
      <header class='top'>
        <h1>gradlens</h1>
        <RunPicker runs={runs} value={runId} onChange={(id) => chooseRun(id)} />
        <ComparePicker
          runs={runs}
          runId={runId}
          compare={compareKey ? compareKey.split(',') : []}
          onChange={setCompare}
        />
        <BatchNav index={batchIndex} count={available} onChange={setBatchIndex} keys={!open && !showForm} />
        <button type='button' id='new-run' onClick={() => setShowForm(true)}>New run…</button>
        <button type='button' id='export-grid' disabled={!view} onClick={exportGrid}>Export grid PNG</button>
      </header>
      <Controls
        settings={settings}
        classNames={classNames}
        comparing={(view?.runs.length ?? 1) > 1}
        metricKeys={metricKeys}
        onChange={(s) => setSettings({ ...settings, ...s })}
      />
      {error && (
        <p class='error' id='error'>
          {error} <button type='button' onClick={() => setError(null)}>×</button>
        </p>
      )}
      {job?.state === 'failed' && job.runId === runId && <p class='error' id='job-error'>The run failed: {job.error}
      </p>}
      {job && job.runId === runId && <JobStatus job={job} onChange={setJob} />}
      {manifest && <Progress manifest={manifest} />}
      {manifest && <Distribution manifest={manifest} />}
      {loaded && loaded.notes.length > 0 && loaded.parts[0].manifest.id === manifest?.id && (
        <div class='warning' id='compare-notes'>
          {loaded.notes.map((n) => <p key={n}>Not shown beside '{manifest.id}': {n}</p>)}
        </div>
      )}
      <main>
        <section class='grid-wrap'>
          {!runId && <p class='empty'>No runs in this directory yet. Start one with “New run…”.</p>}
          {manifest && available === 0 && <p class='empty'>Waiting for the first batch…</p>}
          {view && (
            <Grid
              view={view}
              ranges={rangesByMethod}
              luts={luts}
              rows={rows}
              overlay={settings.overlay}
              opacity={settings.opacity}
              norm={settings.norm}
              onOpen={onOpen}
              flags={failing}
            />
          )}
        </section>
        {manifest && (
          <Conventions
            manifests={view ? loaded!.parts.map((p) => p.manifest) : [manifest]}
            settings={settings}
          />
        )}
      </main>
      {manifest && (manifest.metrics?.length ?? 0) > 0 && (
        <MetricsPanel
          run={manifest.id}
          batch={batchIndex}
          size={view?.info.length ?? 0}
          version={manifest.updatedAt}
          onFailing={setFailing}
        />
      )}
      {open && view && open.sample < view.info.length && (
        <SampleView
          view={view}
          manifest={loaded!.parts[0].manifest}
          state={open}
          rows={rows}
          luts={luts}
          settings={settings}
          onState={(s) => setOpen({ ...open, ...s })}
          onClose={() => setOpen(null)}
          onOpenBatch={(batch, sample) =>
            getJson<Manifest>(`/runs/${manifest!.id}`).then((m) => {
              setManifest(m);
              setBatchIndex(batch);
              setOpen({ sample, method: -1, scale: 'each', explain: null });
              refreshRuns();
            }).catch((e) => setError(e.message))}
        />
      )}
      {showForm && <RunForm current={runId} onStarted={onStarted} onClose={() => setShowForm(false)} />}
    </div>
  );
}
