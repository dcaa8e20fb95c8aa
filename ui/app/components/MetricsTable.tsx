import { fmt } from '../lib/format.ts';
import { methodsOf, type RunMetric } from '../lib/metrics.ts';

/**
 * Methods by metrics: each cell the run-wide mean with its 95% interval; each column's header
 * says whether higher or lower is better; the best method per column is marked, and a method
 * failing a sanity check is marked in that column.
 */
export function MetricsTable({ metrics }: { metrics: RunMetric[] }) {
  const methods = methodsOf(metrics);
  return (
    <table class='metrics-table' id='metrics-table'>
      <thead>
        <tr>
          <th>method</th>
          {metrics.map((m) => (
            <th
              key={m.id}
              data-metric={m.id}
              title={`${m.description ?? ''}\n${m.reference ?? ''}\noptions: ${JSON.stringify(m.options)}`}
            >
              {m.id} <span class='direction'>{m.higherIsBetter ? '↑ higher is better' : '↓ lower is better'}</span>
              <div class='muted'>{m.category}</div>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {methods.map((method) => (
          <tr key={method} data-method={method}>
            <th>{method}</th>
            {metrics.map((m) => {
              const s = m.summary.find((x) => x.method === method);
              if (!s) return <td key={m.id} class='muted'>—</td>;
              const best = m.best === method;
              const failing = m.failing.includes(method);
              return (
                <td
                  key={m.id}
                  class={`${best ? 'best' : ''} ${failing ? 'failing' : ''}`}
                  data-metric={m.id}
                  data-mean={s.mean}
                  title={`n = ${s.n}; 95% interval [${fmt(s.low)}, ${fmt(s.high)}]`}
                >
                  <b>{fmt(s.mean)}</b> <span class='interval'>[{fmt(s.low)}, {fmt(s.high)}]</span>
                  {best && <span class='badge best-badge'>best</span>}
                  {failing && <span class='badge fail-badge'>fails</span>}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
