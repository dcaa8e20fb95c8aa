import { modelLabel } from '../lib/compare.ts';
import type { Manifest, Settings } from '../lib/types.ts';

/** One run's conventions: the target rule, the head explained, scores, input, and per method abs and reduction. */
function RunConventions(props: { manifest: Manifest; heading: boolean; index: number }) {
  const { manifest: m } = props;
  return (
    <section class={`run-conventions run-${props.index % 4}`} data-run={m.id}>
      {props.heading && (
        <h4>
          {m.id} <span class='muted'>· {modelLabel(m)}</span>
        </h4>
      )}
      <dl>
        <dt>target</dt>
        <dd>{m.target.rule} — {m.target.description}</dd>
        <dt>model output</dt>
        <dd>
          '{m.model.output.name}' (#{m.model.output.index}), {m.model.output.scores} scores
          {m.model.output.note ? ` (${m.model.output.note})` : ''}
        </dd>
        <dt>probabilities</dt>
        <dd>{m.model.probabilities}</dd>
        <dt>input</dt>
        <dd>[{m.dataset.sampleShape.join(', ')}], {m.dataset.plugin}</dd>
        <dt>backend</dt>
        <dd>{m.backend.name}</dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th>method</th>
            <th>sign</th>
            <th>abs</th>
            <th>channels</th>
          </tr>
        </thead>
        <tbody>
          {m.methods.map((x) => (
            <tr key={x.id} title={`${x.plugin} ${JSON.stringify(x.options)}${x.reference ? `\n${x.reference}` : ''}`}>
              <td>{x.id}</td>
              <td>{x.signed ? 'signed' : 'unsigned'}</td>
              <td>{x.conventions.abs ? 'yes' : 'no'}</td>
              <td>{x.conventions.reduce}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Everything that changes how a map should be read, always visible beside the grid: per method
 * abs/signed and channel reduction; for the run the target rule, the head explained, pre- or
 * post-softmax scores; and how the page itself normalises. With runs compared, each run's own.
 */
export function Conventions(props: { manifests: Manifest[]; settings: Settings }) {
  const { manifests, settings: s } = props;
  const keepsChannels = manifests.some((m) => m.methods.some((x) => x.mapShape.length === 3));
  return (
    <aside class='conventions' id='conventions'>
      <h3>Conventions</h3>
      {manifests.map((m, i) => <RunConventions key={m.id} manifest={m} heading={manifests.length > 1} index={i} />)}
      <p class='muted'>
        Display: {s.norm === 'map' ? 'each map on its own range' : 'one range per column'}, clipped at the{' '}
        {s.clip}th percentile{s.cmap === 'auto' ? '; hot for unsigned, diverging around 0 for signed' : `; ${s.cmap}`}.
        {keepsChannels ? ' Maps that kept channels are shown summed (signed) or maxed over them.' : ''}
      </p>
    </aside>
  );
}
