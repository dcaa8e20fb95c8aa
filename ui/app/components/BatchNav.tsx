import { useEffect } from 'preact/hooks';

/** Previous/next batch buttons; the left and right arrow keys do the same. */
export function BatchNav(props: { index: number; count: number; onChange: (i: number) => void }) {
  const { index, count, onChange } = props;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowLeft' && index > 0) onChange(index - 1);
      if (e.key === 'ArrowRight' && index < count - 1) onChange(index + 1);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [index, count, onChange]);
  return (
    <div class='field batch-nav'>
      <button type='button' title='previous batch (←)' disabled={index <= 0} onClick={() => onChange(index - 1)}>
        ◀
      </button>
      <span id='batch-label'>batch {count === 0 ? 0 : index + 1} / {count}</span>
      <button type='button' title='next batch (→)' disabled={index >= count - 1} onClick={() => onChange(index + 1)}>
        ▶
      </button>
    </div>
  );
}
