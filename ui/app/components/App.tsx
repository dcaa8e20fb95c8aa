import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl, getArray, getJson, saveBlob } from '../lib/api.ts';
import { batchMismatch, manifestMismatch, parseRunQuery, runQuery } from '../lib/compare.ts';
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
import { LargeView } from './LargeView.tsx';
import { MetricsPanel } from './MetricsPanel.tsx';
import { loadBatchMetrics } from '../lib/metrics.ts';
import { Progress } from './Progress.tsx';
import { RunForm } from './RunForm.tsx';
import { JobStatus } from './JobStatus.tsx';
import { RunPicker } from './RunPicker.tsx';
import { followEvents } from '../lib/follow.ts';

const DEFAULTS: Settings = {
  cmap: 'auto',
  overlay: false,
  opacity: 0.6,
  norm: 'map',
  clip: 99,
  filter: 'all',
  sort: 'index',
};

async function loadBatch(manifest: Manifest, index: number): Promise<LoadedBatch> {
  const base = `/runs/${manifest.id}/batches/${index}`;
  const [samples, inputs, ...maps] = await Promise.all([
    getJson<Samples>(base),
    getArray(`${base}/inputs`),
    ...manifest.methods.map((m) => getArray(`${base}/maps/${m.id}`)),
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

const QUERY = parseRunQuery(location.search);

export function App() {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [runId, setRunId] = useState<string | null>(QUERY.run);
  const [compare, setCompare] = useState<string[]>(QUERY.compare);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [batchIndex, setBatchIndex] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const [open, setOpen] = useState<{ sample: number; method: number } | null>(null);
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
    setBatchIndex(0);
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

  // The URL names what is shown, so a comparison can be linked (?run=a&compare=b).
  const compareKey = compare.filter((id) => id !== runId).join(',');
  useEffect(() => {
    const query = runQuery(location.search, runId, compareKey ? compareKey.split(',') : []);
    if (query !== location.search) history.replaceState(null, '', `${location.pathname}${query}`);
  }, [runId, compareKey]);

  const available = manifest?.batches.length ?? 0;
  useEffect(() => {
    if (!manifest || batchIndex >= available) return;
    const key = [manifest.id, ...(compareKey ? compareKey.split(',') : [])].join(',');
    if (loaded && loaded.key === key && loaded.index === batchIndex) return;
    loadParts(manifest, compareKey ? compareKey.split(',') : [], batchIndex).then(setLoaded).catch((e) =>
      setError(e.message)
    );
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
  const onOpen = useCallback((sample: number, method: number) => setOpen({ sample, method }), []);
  const onStarted = (j: JobInfo) => {
    setShowForm(false);
    setJob(j);
    setRunId(j.runId);
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
    const root = document.getElementById('grid');
    if (root && view) saveBlob(await gridPng(root), `${view.run}-batch${view.batch}.png`);
  };

  return (
    <div class='app'>
      <header class='top'>
        <h1>gradlens</h1>
        <RunPicker runs={runs} value={runId} onChange={setRunId} />
        <ComparePicker
          runs={runs}
          runId={runId}
          compare={compareKey ? compareKey.split(',') : []}
          onChange={setCompare}
        />
        <BatchNav index={batchIndex} count={available} onChange={setBatchIndex} />
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
      {open && view && (
        <LargeView
          view={view}
          sample={open.sample}
          method={open.method}
          range={open.method >= 0 ? rangesByMethod[open.method][open.sample] : undefined}
          lut={open.method >= 0 ? luts[open.method] : undefined}
          overlay={settings.overlay ? settings.opacity : undefined}
          onClose={() => setOpen(null)}
        />
      )}
      {showForm && <RunForm current={runId} onStarted={onStarted} onClose={() => setShowForm(false)} />}
    </div>
  );
}
