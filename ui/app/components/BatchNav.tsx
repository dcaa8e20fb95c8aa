import { useEffect } from 'preact/hooks';

/**
 * Previous/next batch buttons; the left and right arrow keys do the same while `keys` is on (off
 * while a dialog or the sample view has the arrows) and the focus is not in a field or the grid.
 */
export function BatchNav(props: { index: number; count: number; onChange: (i: number) => void; keys?: boolean }) {
  const { index, count, onChange } = props;
  const keys = props.keys ?? true;
  useEffect(() => {
    if (!keys) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (target.closest?.('#grid')) return;
      if (e.key === 'ArrowLeft' && index > 0) onChange(index - 1);
      if (e.key === 'ArrowRight' && index < count - 1) onChange(index + 1);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [index, count, onChange, keys]);
  return (
    <div class='field batch-nav' role='group' aria-label='batch'>
      <button
        type='button'
        id='batch-prev'
        aria-label='previous batch'
        title='previous batch (←)'
        disabled={index <= 0}
        onClick={() => onChange(index - 1)}
      >
        ◀
      </button>
      <span id='batch-label' aria-live='polite'>batch {count === 0 ? 0 : index + 1} / {count}</span>
      <button
        type='button'
        id='batch-next'
        aria-label='next batch'
        title='next batch (→)'
        disabled={index >= count - 1}
        onClick={() => onChange(index + 1)}
      >
        ▶
      </button>
    </div>
  );
}
