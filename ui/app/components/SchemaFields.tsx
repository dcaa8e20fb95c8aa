import type { JsonSchema } from '../lib/types.ts';
import { PathField } from './PathField.tsx';

/** Raw form values by field name (text as typed, booleans as booleans). */
export type FieldValues = Record<string, string | boolean>;

function kind(s: JsonSchema): string {
  if (s['x-gradlens-code']) return 'code';
  if (s['x-gradlens-path']) return 'path';
  if (s.enum) return 'enum';
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (!t && s.anyOf) {
    const options = s.anyOf.filter((x) => x.type !== 'null');
    return options.length === 1 ? kind(options[0]) : 'union';
  }
  return t ?? 'json';
}

/** The named choices of a union (e.g. IG's baseline: zeros, blur, uniform, or a number or path). */
function unionChoices(s: JsonSchema): string[] {
  return (s.anyOf ?? []).flatMap((x) => (x.enum ?? []).map(String));
}

/** The path branch of a union (IG's baseline: a name, a number, or a `.npy` file), if any. */
function pathBranch(s: JsonSchema): JsonSchema | undefined {
  return (s.anyOf ?? []).find((x) => x['x-gradlens-path']);
}

/**
 * Controls generated from a plugin's options schema (JSON Schema from zod): text, number,
 * checkbox, select for enums, comma lists for string arrays, JSON for anything else; paths chosen
 * (never typed) with the workspace's file picker; options that load code are not offered (command line only).
 */
export function SchemaFields(
  props: { schema: JsonSchema | null; values: FieldValues; onChange: (v: FieldValues) => void; prefix: string },
) {
  const props_ = props.schema?.properties ?? {};
  const required = new Set(props.schema?.required ?? []);
  if (!props.schema) return <p class='muted'>Options cannot be shown as a form.</p>;
  if (Object.keys(props_).length === 0) return <p class='muted'>No options.</p>;
  const set = (k: string, v: string | boolean) => props.onChange({ ...props.values, [k]: v });
  return (
    <div class='schema-fields'>
      {Object.entries(props_).map(([key, s]) => {
        const id = `${props.prefix}-${key}`;
        const k = kind(s);
        const v = props.values[key];
        const hint = [s.description, s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '']
          .filter(Boolean).join('; ');
        let control;
        if (k === 'code') {
          control = <span class='muted' id={id}>loads code: only from the command line (serve --plugin)</span>;
        } else if (k === 'path') {
          control = (
            <PathField
              id={id}
              kind={s['x-gradlens-path']!}
              ending={s['x-gradlens-ending']}
              value={String(v ?? '')}
              check
              optional={!required.has(key)}
              onChange={(text) => set(key, text)}
            />
          );
        } else if (k === 'union' && pathBranch(s)) {
          // A name or a number is typed; a file is picked, never typed.
          const branch = pathBranch(s)!;
          const choices = unionChoices(s);
          const text = String(v ?? '');
          const ending = branch['x-gradlens-ending'] ?? '.npy';
          const looksLikePath = (t: string) => /[/\\]/.test(t) || t.endsWith(ending);
          const isPath = looksLikePath(text);
          control = (
            <>
              <input
                id={`${id}-value`}
                type='text'
                list={`${id}-choices`}
                value={isPath ? '' : text}
                placeholder={isPath
                  ? 'a file (below)'
                  : s.default !== undefined
                  ? String(s.default)
                  : choices.join(', ')}
                onInput={(e) => {
                  const input = e.target as HTMLInputElement;
                  // A path typed here is not taken: files come from the picker.
                  if (looksLikePath(input.value)) input.value = isPath ? '' : text;
                  else set(key, input.value);
                }}
              />
              <datalist id={`${id}-choices`}>{choices.map((c) => <option key={c} value={c} />)}</datalist>
              <span class='muted'>{choices.join(', ')}, a number, or a file:</span>
              <PathField
                id={id}
                kind={branch['x-gradlens-path']!}
                ending={branch['x-gradlens-ending']}
                value={isPath ? text : ''}
                check={isPath}
                optional
                onChange={(path) => set(key, path)}
              />
            </>
          );
        } else if (k === 'boolean') {
          control = (
            <input
              id={id}
              type='checkbox'
              checked={v === undefined ? Boolean(s.default) : Boolean(v)}
              onChange={(e) => set(key, (e.target as HTMLInputElement).checked)}
            />
          );
        } else if (k === 'enum') {
          control = (
            <select
              id={id}
              value={String(v ?? s.default ?? '')}
              onChange={(e) => set(key, (e.target as HTMLSelectElement).value)}
            >
              {!required.has(key) && <option value=''>(default)</option>}
              {s.enum!.map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
            </select>
          );
        } else if (k === 'union') {
          const choices = unionChoices(s);
          control = (
            <>
              <input
                id={id}
                type='text'
                list={`${id}-choices`}
                value={String(v ?? '')}
                placeholder={s.default !== undefined ? String(s.default) : choices.join(', ')}
                onInput={(e) => set(key, (e.target as HTMLInputElement).value)}
              />
              <datalist id={`${id}-choices`}>{choices.map((c) => <option key={c} value={c} />)}</datalist>
            </>
          );
        } else {
          const placeholder = k === 'array' ? 'comma-separated' : k === 'object' || k === 'json' ? 'JSON' : '';
          const common = {
            id,
            value: String(v ?? ''),
            placeholder: placeholder || (s.default !== undefined ? String(s.default) : ''),
            onInput: (e: Event) => set(key, (e.target as HTMLInputElement).value),
          };
          control = k === 'number' || k === 'integer'
            ? <input type='number' {...common} min={s.minimum ?? ''} max={s.maximum ?? ''} />
            : <input type='text' {...common} />;
        }
        return (
          <label class='field' key={key} title={hint}>
            {key}
            {required.has(key) ? ' *' : ''}
            {control}
          </label>
        );
      })}
    </div>
  );
}

/** Form values from options (a config's or an earlier run's), the inverse of {@link toOptions}. */
export function toValues(schema: JsonSchema | null, options: Record<string, unknown>): FieldValues {
  const out: FieldValues = {};
  for (const [key, value] of Object.entries(options)) {
    const s = schema?.properties?.[key];
    if (!s || value === undefined || value === null) continue;
    const k = kind(s);
    if (typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
    else if (k === 'array' && s.items?.type === 'string' && Array.isArray(value)) out[key] = value.join(', ');
    else out[key] = JSON.stringify(value);
  }
  return out;
}

/** Converts form values to options by the schema's types; empty optional fields are left out. */
export function toOptions(schema: JsonSchema | null, values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema?.properties ?? {})) {
    const v = values[key];
    if (v === undefined || v === '') continue;
    const k = kind(s);
    if (k === 'code') continue;
    if (k === 'boolean') out[key] = Boolean(v);
    else if (k === 'path') out[key] = String(v);
    else if (k === 'union') out[key] = unionValue(s, String(v));
    else if (k === 'number' || k === 'integer') out[key] = Number(v);
    else if (k === 'array' && s.items?.type === 'string') {
      out[key] = String(v).split(',').map((x) => x.trim()).filter(Boolean);
    } else if (k === 'array' || k === 'object' || k === 'json') {
      try {
        out[key] = JSON.parse(String(v));
      } catch {
        throw new Error(`${key}: not valid JSON`);
      }
    } else out[key] = v;
  }
  return out;
}

/** A union's text as the type it most likely is: a number where numbers are allowed, JSON, else text. */
function unionValue(s: JsonSchema, text: string): unknown {
  const types = (s.anyOf ?? []).map((x) => x.type);
  if ((types.includes('number') || types.includes('integer')) && text.trim() !== '' && Number.isFinite(Number(text))) {
    return Number(text);
  }
  if (/^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`not valid JSON: ${text}`);
    }
  }
  return text;
}
