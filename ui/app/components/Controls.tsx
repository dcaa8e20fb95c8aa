import { COLOR_MAPS } from '../../render/colormaps.ts';
import type { Settings } from '../lib/types.ts';

/** Display settings: colour map, overlay, normalisation, clipping, filter and sort. */
export function Controls(
  props: {
    settings: Settings;
    classNames: string[];
    comparing?: boolean;
    /** Sort keys from the run's per-sample metric values (`metric:ID:METHOD`). */
    metricKeys?: { value: string; label: string }[];
    onChange: (s: Partial<Settings>) => void;
  },
) {
  const { settings: s, onChange } = props;
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <div class='controls'>
      <label class='field'>
        Colour map
        <select id='cmap' value={s.cmap} onChange={(e) => onChange({ cmap: value(e) as Settings['cmap'] })}>
          <option value='auto'>auto (hot / diverging if signed)</option>
          {COLOR_MAPS.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <label class='field'>
        <input
          id='overlay'
          type='checkbox'
          checked={s.overlay}
          onChange={(e) => onChange({ overlay: (e.target as HTMLInputElement).checked })}
        />
        overlay on input
      </label>
      <label class='field'>
        opacity
        <input
          id='opacity'
          type='range'
          min='0'
          max='1'
          step='0.05'
          value={s.opacity}
          disabled={!s.overlay}
          onInput={(e) => onChange({ opacity: Number(value(e)) })}
        />
      </label>
      <label class='field'>
        Normalise
        <select id='norm' value={s.norm} onChange={(e) => onChange({ norm: value(e) as Settings['norm'] })}>
          <option value='map'>per map</option>
          <option value='column'>shared per column</option>
        </select>
      </label>
      <label class='field'>
        clip at percentile
        <input
          id='clip'
          type='number'
          min='50'
          max='100'
          step='0.5'
          value={s.clip}
          onChange={(e) => {
            const v = Number(value(e));
            if (v >= 50 && v <= 100) onChange({ clip: v });
          }}
        />
      </label>
      <label class='field'>
        Show
        <select id='filter' value={s.filter} onChange={(e) => onChange({ filter: value(e) })}>
          <option value='all'>all</option>
          <option value='correct'>{props.comparing ? 'correct in every run' : 'correct'}</option>
          <option value='wrong'>{props.comparing ? 'wrong in any run' : 'wrong'}</option>
          {props.comparing && <option value='differ'>runs predict differently</option>}
          {props.classNames.map((name, i) => <option key={i} value={`class:${i}`}>class {name}</option>)}
        </select>
      </label>
      <label class='field'>
        Sort by
        <select id='sort' value={s.sort} onChange={(e) => onChange({ sort: value(e) as Settings['sort'] })}>
          <option value='index'>order in batch</option>
          <option value='confidence'>confidence (least sure first{props.comparing ? ', any run' : ''})</option>
          <option value='loss'>loss (highest first{props.comparing ? ', any run' : ''})</option>
          <option value='disagreement'>disagreement between {props.comparing ? 'columns' : 'methods'}</option>
          {props.metricKeys?.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
        </select>
      </label>
    </div>
  );
}
