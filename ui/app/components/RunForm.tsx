import { useEffect, useState } from 'preact/hooks';
import { unmetNeeds } from '../../../core/browser.ts';
import type { AttributionNeed } from '../../../core/index.ts';
import { getJson, postJson } from '../lib/api.ts';
import type {
  JobInfo,
  JsonSchema,
  ModelProbe,
  PluginInfo,
  Plugins,
  WorkspaceChoice,
  WorkspaceInfo,
} from '../lib/types.ts';
import { type FieldValues, SchemaFields, toOptions, toValues } from './SchemaFields.tsx';

/** A wrapper's choice for one wrapped method: which method, and its own option values. */
type WrappedChoice = { plugin: string; values: FieldValues };

/** Whether a plugin needs an option that loads code (module-model): never offered by the page. */
function needsCode(p: PluginInfo | undefined): boolean {
  return (p?.schema?.required ?? []).some((k) => p?.schema?.properties?.[k]?.['x-gradlens-code']);
}

/**
 * Starts a run from what the workspace holds: the settings of an earlier run (the one shown,
 * at first) or of a run config under the allowed folders, then model, dataset and methods with
 * controls generated from their options schemas, paths picked with the server-side file picker
 * and checked as they change; the metrics that judge the maps; batch size and count.
 */
export function RunForm(props: { onStarted: (job: JobInfo) => void; onClose: () => void; current?: string | null }) {
  const [plugins, setPlugins] = useState<Plugins | null>(null);
  const [workspace, setWorkspace] = useState<WorkspaceInfo | null>(null);
  const [from, setFrom] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [model, setModel] = useState('');
  const [dataset, setDataset] = useState('');
  const [modelOpts, setModelOpts] = useState<FieldValues>({});
  const [dataOpts, setDataOpts] = useState<FieldValues>({});
  const [methods, setMethods] = useState<Record<string, FieldValues | undefined>>({});
  const [metrics, setMetrics] = useState<Record<string, FieldValues | undefined>>({});
  const [batchSize, setBatchSize] = useState(32);
  const [count, setCount] = useState(2);
  const [id, setId] = useState('');
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [output, setOutput] = useState('');
  const [probe, setProbe] = useState<ModelProbe | null>(null);
  const heads = probe?.outputs ?? null;
  const [listing, setListing] = useState<string | null>(null);
  const [conv, setConv] = useState<Record<string, { abs: string; reduce: string }>>({});
  const [wrapped, setWrapped] = useState<Record<string, Record<string, WrappedChoice>>>({});

  useEffect(() => {
    Promise.all([
      getJson<Plugins>('/plugins'),
      getJson<WorkspaceInfo>('/workspace').catch(() => ({ roots: [], configs: [], runs: [] })),
    ]).then(([p, w]) => {
      setPlugins(p);
      setWorkspace(w);
      // The form starts from the run on screen, so a variation of it is one change away.
      const current = w.runs.find((r) => r.source === props.current);
      if (current) {
        apply(p, current);
        setFrom(`run:${current.source}`);
        return;
      }
      blank(p);
    }).catch((e) => setError(String(e.message)));
  }, []);

  /** The plugins' defaults: the first model and dataset, vanilla gradients. */
  const blank = (p: Plugins) => {
    setModel(p.models.find((m) => !needsCode(m))?.name ?? '');
    setModelOpts({});
    setOutput('');
    setDataset(p.datasets[0]?.name ?? '');
    setDataOpts({});
    const first = p.attributions.find((a) => a.name === 'vanilla-gradient') ?? p.attributions[0];
    setMethods(first ? { [first.name]: {} } : {});
    setWrapped({});
    setConv({});
    setMetrics({});
  };

  const find = (list: PluginInfo[], name: string) => list.find((p) => p.name === name);

  /** Fills the form with a config's or an earlier run's model, dataset and methods. */
  const apply = (p: Plugins, choice: WorkspaceChoice) => {
    const schemaOf = (list: PluginInfo[], name: string) => find(list, name)?.schema ?? null;
    setModel(choice.model.plugin);
    setModelOpts(toValues(schemaOf(p.models, choice.model.plugin), choice.model.options));
    setOutput(choice.model.output === undefined ? '' : String(choice.model.output));
    setDataset(choice.dataset.plugin);
    setDataOpts(toValues(schemaOf(p.datasets, choice.dataset.plugin), choice.dataset.options));
    const size = choice.dataset.batchSize ?? 32;
    setBatchSize(size);
    if (choice.dataset.limit) setCount(Math.max(1, Math.ceil(choice.dataset.limit / size)));
    const nextMethods: Record<string, FieldValues> = {};
    const nextWrapped: Record<string, Record<string, WrappedChoice>> = {};
    const nextConv: Record<string, { abs: string; reduce: string }> = {};
    for (const m of choice.methods) {
      const plugin = find(p.attributions, m.plugin);
      if (!plugin || nextMethods[m.plugin]) continue;
      const keys = Object.keys(plugin.wraps ?? {});
      nextMethods[m.plugin] = toValues(withoutKeys(plugin.schema, keys), m.options ?? {});
      for (const key of keys) {
        const ref = m.options?.[key];
        const inner = typeof ref === 'string'
          ? { plugin: ref, options: {} }
          : (ref as { plugin?: string; options?: Record<string, unknown> } | undefined);
        if (inner?.plugin) {
          (nextWrapped[m.plugin] ??= {})[key] = {
            plugin: inner.plugin,
            values: toValues(schemaOf(p.attributions, inner.plugin), inner.options ?? {}),
          };
        }
      }
      nextConv[m.plugin] = { abs: m.abs === undefined ? '' : m.abs ? 'yes' : 'no', reduce: m.reduce ?? '' };
    }
    setMethods(nextMethods);
    setWrapped(nextWrapped);
    setConv(nextConv);
    const nextMetrics: Record<string, FieldValues> = {};
    for (const m of choice.metrics ?? []) {
      const plugin = p.metrics?.find((x) => x.name === m.plugin);
      if (plugin && !nextMetrics[m.plugin]) nextMetrics[m.plugin] = toValues(plugin.schema, m.options ?? {});
    }
    setMetrics(nextMetrics);
  };
  const choose = (key: string) => {
    setFrom(key);
    const [kind, ...rest] = key.split(':');
    const source = rest.join(':');
    const choice = (kind === 'run' ? workspace?.runs : workspace?.configs)?.find((c) => c.source === source);
    if (plugins && choice) apply(plugins, choice);
    else if (plugins && key === '') blank(plugins);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!plugins) return;
    setError(null);
    try {
      const chosen = Object.entries(methods).filter(([, v]) => v !== undefined) as [string, FieldValues][];
      const body = {
        ...(id ? { id } : {}),
        model: {
          plugin: model,
          options: toOptions(find(plugins.models, model)?.schema ?? null, modelOpts),
          ...(output.trim() ? { output: output.trim() } : {}),
        },
        dataset: {
          plugin: dataset,
          options: toOptions(find(plugins.datasets, dataset)?.schema ?? null, dataOpts),
          batchSize,
          limit: batchSize * count,
        },
        methods: chosen.filter(([name]) => unfitReasons(name).length === 0).map(([name, v]) => ({
          plugin: name,
          options: methodOptions(name, v),
          ...(conv[name]?.abs ? { abs: conv[name].abs === 'yes' } : {}),
          ...(conv[name]?.reduce ? { reduce: conv[name].reduce } : {}),
        })),
        ...(target ? { target } : {}),
      };
      const judged = Object.entries(metrics).filter(([name, v]) => v !== undefined && metricUnfit(name).length === 0)
        .map(([name, v]) => ({
          plugin: name,
          options: toOptions(plugins.metrics?.find((m) => m.name === name)?.schema ?? null, v!),
        }));
      if (judged.length > 0) Object.assign(body, { metrics: judged });
      setBusy(true);
      props.onStarted(await postJson<JobInfo>('/jobs', body));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  /** Loads the model on the server: its heads, and which methods fit it. */
  const listHeads = async () => {
    if (!plugins || !model) return;
    let options: Record<string, unknown>;
    try {
      options = toOptions(find(plugins.models, model)?.schema ?? null, modelOpts);
    } catch (err) {
      setListing((err as Error).message);
      return;
    }
    const schema = find(plugins.models, model)?.schema;
    const missing = (schema?.required ?? []).filter((k) => options[k] === undefined);
    if (missing.length > 0) {
      setProbe(null);
      setListing(`give the model's ${missing.join(', ')} to list its heads and check which methods fit`);
      return;
    }
    // Paths are checked first (no model loads): a wrong one is reported at once.
    for (const [key, s] of Object.entries(schema?.properties ?? {})) {
      const kind = s['x-gradlens-path'];
      if (!kind || typeof options[key] !== 'string') continue;
      try {
        await getJson('/workspace/check', { path: options[key] as string, kind });
      } catch (err) {
        setProbe(null);
        setListing((err as Error).message);
        return;
      }
    }
    setListing('loading the model…');
    setProbe(null);
    try {
      setProbe(await postJson<ModelProbe>('/jobs/outputs', { plugin: model, options }));
      setListing(null);
    } catch (err) {
      setListing((err as Error).message);
    }
  };
  // The model is probed when it changes (after typing stops), so unfit methods grey out.
  useEffect(() => {
    const timer = setTimeout(listHeads, 400);
    return () => clearTimeout(timer);
  }, [plugins, model, JSON.stringify(modelOpts)]);

  /** A method's needs with those of the methods it wraps, as chosen in the form. */
  const needsOf = (name: string): AttributionNeed[] => {
    const p = plugins && find(plugins.attributions, name);
    if (!p) return [];
    const inner = Object.entries(p.wraps ?? {}).flatMap(([key, w]) =>
      find(plugins!.attributions, wrapped[name]?.[key]?.plugin ?? w.default)?.needs ?? []
    );
    return [...new Set([...(p.needs ?? []), ...inner])];
  };
  const unfitReasons = (name: string): string[] => (probe ? unmetNeeds(needsOf(name), probe.capabilities) : []);
  /** Why a metric cannot judge the chosen model, as the model's probe tells (none before it). */
  const metricUnfit = (name: string): string[] => {
    const m = plugins?.metrics?.find((x) => x.name === name);
    const weights = probe?.capabilities.weights;
    return m?.needs.includes('weights') && weights && !weights.ok
      ? [`needs a model whose weights it can randomise, but ${weights.reason ?? 'this one exposes none'}`]
      : [];
  };
  const methodOptions = (name: string, values: FieldValues): Record<string, unknown> => {
    const p = find(plugins!.attributions, name)!;
    const out = toOptions(withoutKeys(p.schema, Object.keys(p.wraps ?? {})), values);
    for (const [key, w] of Object.entries(p.wraps ?? {})) {
      const choice = wrapped[name]?.[key] ?? { plugin: w.default, values: {} };
      out[key] = {
        plugin: choice.plugin,
        options: toOptions(find(plugins!.attributions, choice.plugin)?.schema ?? null, choice.values),
      };
    }
    return out;
  };
  const setWrappedOf = (name: string, key: string, choice: WrappedChoice) =>
    setWrapped({ ...wrapped, [name]: { ...wrapped[name], [key]: choice } });
  const setConvOf = (name: string, patch: Partial<{ abs: string; reduce: string }>) =>
    setConv({ ...conv, [name]: { ...{ abs: '', reduce: '' }, ...conv[name], ...patch } });

  return (
    <div class='modal' onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <form class='modal-body run-form' id='run-form' onSubmit={submit}>
        <header>
          <b>Start a run</b>
          <button type='button' class='close' onClick={props.onClose}>×</button>
        </header>
        {!plugins && !error && <p>Loading plugins…</p>}
        {plugins && (
          <>
            {workspace && (workspace.runs.length > 0 || workspace.configs.length > 0) && (
              <label class='field start-from' title='fill the form with the settings of an earlier run or a run config'>
                start from
                <select
                  id='form-from'
                  value={from}
                  onChange={(e) =>
                    choose((e.target as HTMLSelectElement).value)}
                >
                  <option value=''>(a blank form)</option>
                  {workspace.runs.length > 0 && (
                    <optgroup label='earlier runs'>
                      {workspace.runs.map((r) => <option key={r.source} value={`run:${r.source}`}>{r.source}</option>)}
                    </optgroup>
                  )}
                  {workspace.configs.length > 0 && (
                    <optgroup label='run configs'>
                      {workspace.configs.map((c) => (
                        <option key={c.source} value={`config:${c.source}`}>{c.source}</option>
                      ))}
                    </optgroup>
                  )}
                </select>
              </label>
            )}
            <fieldset>
              <legend>Model</legend>
              <select id='form-model' value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
                {plugins.models.map((p) => (
                  <option key={p.name} value={p.name} disabled={needsCode(p)}>
                    {p.name}
                    {needsCode(p) ? ' (command line only: loads code)' : ''}
                  </option>
                ))}
              </select>
              <p class='muted'>{find(plugins.models, model)?.description}</p>
              <SchemaFields
                prefix='model'
                schema={find(plugins.models, model)?.schema ?? null}
                values={modelOpts}
                onChange={setModelOpts}
              />
              <label class='field' title='the head whose class scores are explained: a name or an index'>
                output head
                <input
                  id='form-output'
                  list='form-output-list'
                  placeholder='default: first output'
                  value={output}
                  onInput={(e) => setOutput((e.target as HTMLInputElement).value)}
                />
                <button
                  type='button'
                  id='form-list-outputs'
                  onClick={listHeads}
                  title='load the model to list its heads'
                >
                  List heads
                </button>
              </label>
              <datalist id='form-output-list'>
                {heads?.map((h) => <option key={h.name} value={h.name} />)}
              </datalist>
              {listing && <p class='muted' id='form-output-note'>{listing}</p>}
              {heads && (
                <p class='muted' id='form-outputs'>
                  {heads.map((h, i) => (
                    <button
                      type='button'
                      class='head-choice'
                      key={h.name}
                      data-head={h.name}
                      title={`[${h.shape.join(', ')}], ${h.scores} scores`}
                      onClick={() => setOutput(h.name)}
                    >
                      {i}: {h.name}
                    </button>
                  ))}
                </p>
              )}
            </fieldset>
            <fieldset>
              <legend>Dataset</legend>
              <select
                id='form-dataset'
                value={dataset}
                onChange={(e) => setDataset((e.target as HTMLSelectElement).value)}
              >
                {plugins.datasets.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
              </select>
              <p class='muted'>{find(plugins.datasets, dataset)?.description}</p>
              <SchemaFields
                prefix='dataset'
                schema={find(plugins.datasets, dataset)?.schema ?? null}
                values={dataOpts}
                onChange={setDataOpts}
              />
              <label class='field'>
                batch size
                <input
                  id='form-batch-size'
                  type='number'
                  min='1'
                  max='4096'
                  value={batchSize}
                  onInput={(e) => setBatchSize(Number((e.target as HTMLInputElement).value))}
                />
              </label>
              <label class='field'>
                batches
                <input
                  id='form-count'
                  type='number'
                  min='1'
                  value={count}
                  onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))}
                />
              </label>
            </fieldset>
            <fieldset>
              <legend>Methods</legend>
              {plugins.attributions.map((p) => {
                const reasons = unfitReasons(p.name);
                const on = methods[p.name] !== undefined && reasons.length === 0;
                return (
                  <div key={p.name} class={`method-choice${reasons.length ? ' unfit' : ''}`} data-method={p.name}>
                    <label class='field' title={reasons.length ? reasons.join('; ') : p.description}>
                      <input
                        type='checkbox'
                        class='form-method'
                        value={p.name}
                        checked={on}
                        disabled={reasons.length > 0}
                        onChange={(e) =>
                          setMethods({
                            ...methods,
                            [p.name]: (e.target as HTMLInputElement).checked ? {} : undefined,
                          })}
                      />
                      {p.name} {signLabel(p)}
                    </label>
                    {reasons.length > 0 && <p class='muted unfit-reason'>{p.name} {reasons.join('; ')}</p>}
                    {on && (
                      <div class='conventions-choice'>
                        <label class='field' title='take |map| before reducing channels'>
                          abs
                          <select
                            id={`conv-${p.name}-abs`}
                            value={conv[p.name]?.abs ?? ''}
                            onChange={(e) => setConvOf(p.name, { abs: (e.target as HTMLSelectElement).value })}
                          >
                            <option value=''>default ({(p.defaults?.abs ?? !p.signed) ? 'yes' : 'no'})</option>
                            <option value='yes'>yes</option>
                            <option value='no'>no (keep the sign)</option>
                          </select>
                        </label>
                        <label class='field' title='how channels are reduced to one map'>
                          channels
                          <select
                            id={`conv-${p.name}-reduce`}
                            value={conv[p.name]?.reduce ?? ''}
                            onChange={(e) => setConvOf(p.name, { reduce: (e.target as HTMLSelectElement).value })}
                          >
                            <option value=''>
                              default ({p.defaults?.reduce ?? 'max, sum without abs, none for series'})
                            </option>
                            <option value='max'>max</option>
                            <option value='sum'>sum</option>
                            <option value='l2'>l2</option>
                            <option value='none'>none (keep channels)</option>
                          </select>
                        </label>
                      </div>
                    )}
                    {on && Object.entries(p.wraps ?? {}).map(([key, w]) => {
                      const choice = wrapped[p.name]?.[key] ?? { plugin: w.default, values: {} };
                      const candidates = plugins.attributions.filter((c) =>
                        !c.wraps || Object.keys(c.wraps).length === 0
                      ).filter((c) => w.requires.every((need) => (c.needs ?? []).includes(need)));
                      const inner = find(plugins.attributions, choice.plugin);
                      return (
                        <div class='wrapped-choice' key={key}>
                          <label class='field' title={`the method ${p.name} evaluates on its noisy copies`}>
                            {key}
                            <select
                              id={`method-${p.name}-${key}`}
                              value={choice.plugin}
                              onChange={(e) =>
                                setWrappedOf(p.name, key, {
                                  plugin: (e.target as HTMLSelectElement).value,
                                  values: {},
                                })}
                            >
                              {candidates.map((c) => (
                                <option key={c.name} value={c.name} disabled={unfitReasons(c.name).length > 0}>
                                  {c.name}
                                </option>
                              ))}
                            </select>
                          </label>
                          {inner && (
                            <SchemaFields
                              prefix={`method-${p.name}-${key}`}
                              schema={inner.schema}
                              values={choice.values}
                              onChange={(v) => setWrappedOf(p.name, key, { plugin: choice.plugin, values: v })}
                            />
                          )}
                        </div>
                      );
                    })}
                    {on && (
                      <SchemaFields
                        prefix={`method-${p.name}`}
                        schema={withoutKeys(p.schema, Object.keys(p.wraps ?? {}))}
                        values={methods[p.name]!}
                        onChange={(v) => setMethods({ ...methods, [p.name]: v })}
                      />
                    )}
                  </div>
                );
              })}
            </fieldset>
            {(plugins.metrics?.length ?? 0) > 0 && (
              <fieldset>
                <legend>Metrics</legend>
                <p class='muted'>judge each method's maps; the values appear in the run's metrics table</p>
                {plugins.metrics!.map((m) => {
                  const reasons = metricUnfit(m.name);
                  const on = metrics[m.name] !== undefined && reasons.length === 0;
                  return (
                    <div key={m.name} class={`metric-choice${reasons.length ? ' unfit' : ''}`} data-metric={m.name}>
                      <label class='field' title={reasons.length ? reasons.join('; ') : m.description}>
                        <input
                          type='checkbox'
                          class='form-metric'
                          value={m.name}
                          checked={on}
                          disabled={reasons.length > 0}
                          onChange={(e) =>
                            setMetrics({
                              ...metrics,
                              [m.name]: (e.target as HTMLInputElement).checked ? {} : undefined,
                            })}
                        />
                        {m.name} ({m.category}, {m.higherIsBetter ? 'higher' : 'lower'} is better)
                      </label>
                      {reasons.length > 0 && <p class='muted unfit-reason'>{m.name} {reasons.join('; ')}</p>}
                      {on && (
                        <SchemaFields
                          prefix={`metric-${m.name}`}
                          schema={m.schema}
                          values={metrics[m.name]!}
                          onChange={(v) => setMetrics({ ...metrics, [m.name]: v })}
                        />
                      )}
                    </div>
                  );
                })}
              </fieldset>
            )}
            <fieldset>
              <legend>Run</legend>
              <label class='field'>
                id (optional)
                <input id='form-id' value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
              </label>
              <label class='field'>
                target
                <select value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
                  <option value=''>default (label if known, else prediction)</option>
                  <option value='label'>label</option>
                  <option value='predicted'>predicted</option>
                </select>
              </label>
            </fieldset>
          </>
        )}
        {error && <p class='error' id='form-error'>{error}</p>}
        <div class='actions'>
          <button type='submit' id='form-submit' disabled={!plugins || busy}>Start</button>
        </div>
      </form>
    </div>
  );
}

/** What the stored maps carry by default, in the Conventions table's words. */
function signLabel(p: PluginInfo): string {
  if (!p.signed) return '(unsigned)';
  return (p.defaults?.abs ?? !p.signed) ? '(unsigned: |map| by default)' : '(signed)';
}

/** A schema without the given properties (a wrapper's method options, which get their own controls). */
function withoutKeys(schema: JsonSchema | null, keys: string[]): JsonSchema | null {
  if (!schema?.properties || keys.length === 0) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => !keys.includes(k)));
  return { ...schema, properties, required: schema.required?.filter((k) => !keys.includes(k)) };
}
