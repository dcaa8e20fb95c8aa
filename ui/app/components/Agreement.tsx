import { fmt } from '../lib/format.ts';

/** Spearman rank correlation between each pair of methods' maps for one sample. */
export function Agreement(props: { names: string[]; matrix: number[][] }) {
  if (props.names.length < 2) return <p class='muted'>Agreement needs two or more methods.</p>;
  const colour = (v: number) => {
    if (!Number.isFinite(v)) return '#ddd';
    const t = Math.max(-1, Math.min(1, v));
    return t >= 0 ? `rgba(33, 102, 172, ${t})` : `rgba(178, 24, 43, ${-t})`;
  };
  return (
    <table class='agreement' id='agreement'>
      <caption>Spearman ρ between methods (this sample)</caption>
      <thead>
        <tr>
          <th />
          {props.names.map((n) => <th key={n}>{n}</th>)}
        </tr>
      </thead>
      <tbody>
        {props.matrix.map((row, i) => (
          <tr key={props.names[i]}>
            <th>{props.names[i]}</th>
            {row.map((v, j) => (
              <td key={j} style={{ background: colour(v), color: Math.abs(v) > 0.6 ? '#fff' : '#000' }}>
                {Number.isFinite(v) ? fmt(v) : '—'}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
