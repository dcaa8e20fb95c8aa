import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GradlensError } from '../../core/errors/errors.ts';

/** The input features, in order (per day). */
export const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];

/** The classes: the day's recorded weather, drizzle, fog and snow (180 days in all) as `other`. */
export const WEATHER_CLASSES = ['sun', 'rain', 'other'];

/** Days in one input window; the last one is the day whose weather is classified. */
export const WINDOW = 14;

export interface Day {
  date: string;
  features: number[];
  label: number;
}

/**
 * Reads vega-datasets' `seattle-weather.csv` (1,461 days, 2012-2015: precipitation in mm,
 * daily max/min temperature in °C, mean wind in m/s, and a weather label).
 */
export function readSeattleWeather(): Day[] {
  // The package's `exports` map hides its data files from module resolution, so read the file
  // from the repository's node_modules directly.
  const path = fileURLToPath(new URL('../../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url));
  if (!existsSync(path)) {
    throw new GradlensError('vega-datasets is not installed; run npm install (it is a devDependency)', {
      where: path,
    });
  }
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const at = (name: string) => cells[columns.indexOf(name)];
    const weather = at('weather');
    return {
      date: at('date'),
      features: FEATURES.map((f) => Number(at(f))),
      label: weather === 'sun' ? 0 : weather === 'rain' ? 1 : 2,
    };
  });
}

/** Per-feature mean and standard deviation of `days` (the training years). */
export function featureStats(days: Day[]): { mean: number[]; std: number[] } {
  const mean = FEATURES.map((_, f) => days.reduce((s, d) => s + d.features[f], 0) / days.length);
  const std = FEATURES.map((_, f) =>
    Math.sqrt(days.reduce((s, d) => s + (d.features[f] - mean[f]) ** 2, 0) / days.length) || 1
  );
  return { mean, std };
}

/**
 * Sliding windows: sample i holds days `[i, i + WINDOW)`, standardised, as `[N, WINDOW, F]`
 * row-major, and is labelled with the weather of its last day. `ids` are those days' dates.
 */
export function windows(days: Day[], stats: { mean: number[]; std: number[] }) {
  const n = days.length - WINDOW + 1;
  const f = FEATURES.length;
  const x = new Float32Array(n * WINDOW * f);
  const y = new Int32Array(n);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < WINDOW; t++) {
      for (let k = 0; k < f; k++) {
        x[(i * WINDOW + t) * f + k] = (days[i + t].features[k] - stats.mean[k]) / stats.std[k];
      }
    }
    y[i] = days[i + WINDOW - 1].label;
    ids.push(days[i + WINDOW - 1].date);
  }
  return { n, x, y, ids };
}
