/**
 * What the page shows, as a query string: the run and those compared beside it, the batch, the
 * sample open in the sample view (and its method, scale and explained class), and the display
 * settings. Defaults are left out, unknown parameters (the token) are kept, and a value that does
 * not parse falls back to its default, so any link opens something sensible. Pure functions,
 * shared by the page and its tests.
 */
import { COLOR_MAPS } from '../../render/colormaps.ts';
import { parseRunQuery } from './compare.ts';
import type { Settings } from './types.ts';

export const DEFAULT_SETTINGS: Settings = {
  cmap: 'auto',
  overlay: false,
  opacity: 0.6,
  norm: 'map',
  clip: 99,
  filter: 'all',
  sort: 'index',
};

/** The sample view: which sample of the batch, which method is overlaid, one scale or one per map, which class explained. */
export interface SampleState {
  sample: number;
  /** Method column shown over the input, or -1 for none. */
  method: number;
  scale: 'shared' | 'each';
  /** A class other than the run's target, explained on demand; null for the run's own maps. */
  explain: number | null;
}

export interface ViewState {
  run: string | null;
  compare: string[];
  /** Batch index, from 0 as the API counts. */
  batch: number;
  open: SampleState | null;
  settings: Settings;
}

const SORTS: Settings['sort'][] = ['index', 'confidence', 'loss', 'disagreement'];
const OWN = ['run', 'compare', 'batch', 'sample', 'method', 'scale', 'explain', ...Object.keys(DEFAULT_SETTINGS)];

function int(v: string | null, min: number, fallback: number): number {
  if (v === null || !/^-?\d{1,6}$/.test(v)) return fallback;
  const n = Number(v);
  return n >= min ? n : fallback;
}

function num(v: string | null, lo: number, hi: number, fallback: number): number {
  const n = v === null || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= lo && n <= hi ? n : fallback;
}

/** The state a query string asks for. */
export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const { run, compare } = parseRunQuery(search);
  const d = DEFAULT_SETTINGS;
  const cmap = q.get('cmap');
  const sort = q.get('sort') as Settings['sort'] | null;
  const filter = q.get('filter');
  const settings: Settings = {
    cmap: cmap === 'auto' || (COLOR_MAPS as readonly string[]).includes(cmap ?? '') ? cmap as Settings['cmap'] : d.cmap,
    overlay: q.get('overlay') === '1',
    opacity: num(q.get('opacity'), 0, 1, d.opacity),
    norm: q.get('norm') === 'column' ? 'column' : 'map',
    clip: num(q.get('clip'), 50, 100, d.clip),
    filter: filter && /^(all|correct|wrong|differ|class:\d{1,5})$/.test(filter) ? filter : d.filter,
    sort: sort && SORTS.includes(sort) ? sort : d.sort,
  };
  const sample = int(q.get('sample'), 0, -1);
  const explain = int(q.get('explain'), 0, -1);
  return {
    run,
    compare,
    batch: int(q.get('batch'), 0, 0),
    open: sample < 0 ? null : {
      sample,
      method: int(q.get('method'), -1, -1),
      scale: q.get('scale') === 'shared' ? 'shared' : 'each',
      explain: explain < 0 ? null : explain,
    },
    settings,
  };
}

/** The query string of `state`, keeping the parameters of `search` that are not the page's own. */
export function viewQuery(search: string, state: ViewState): string {
  const q = new URLSearchParams(search);
  for (const key of OWN) q.delete(key);
  const set = (key: string, value: string | number | boolean, fallback: string | number | boolean) => {
    if (value !== fallback) q.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  };
  if (state.run) q.set('run', state.run);
  if (state.compare.length > 0) q.set('compare', state.compare.join(','));
  set('batch', state.batch, 0);
  if (state.open) {
    q.set('sample', String(state.open.sample));
    set('method', state.open.method, -1);
    set('scale', state.open.scale, 'each');
    if (state.open.explain !== null) q.set('explain', String(state.open.explain));
  }
  for (const [key, fallback] of Object.entries(DEFAULT_SETTINGS)) {
    set(key, state.settings[key as keyof Settings], fallback);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Whether going from `a` to `b` is a new place (a history entry) rather than a setting changed in place. */
export function isNavigation(a: ViewState, b: ViewState): boolean {
  return a.run !== b.run || a.compare.join() !== b.compare.join() || a.batch !== b.batch ||
    a.open?.sample !== b.open?.sample || (a.open === null) !== (b.open === null);
}
