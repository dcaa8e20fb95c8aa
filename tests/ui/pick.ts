/**
 * Picks a file in the run form as a user would: "Browse…" beside the field, the allowed root
 * that holds it, up and down folders one click at a time, then the file itself. Paths are never
 * typed into the form.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import * as assert from 'uvu/assert';

// deno-lint-ignore no-explicit-any
export async function pickFile(page: any, field: string, path: string): Promise<void> {
  const file = realpathSync(path);
  const folder = dirname(file);
  const picker = `#${field}-picker`;
  await page.click(`#${field}-browse`);
  await page.waitForFunction((p: string) => document.querySelector(`${p} .file-picker-dir`)?.textContent, picker);
  const shown = (): Promise<string> => page.locator(`${picker} .file-picker-dir`).textContent();
  const moved = (from: string) =>
    page.waitForFunction(
      ([p, f]: [string, string]) => {
        const now = document.querySelector(`${p} .file-picker-dir`)?.textContent;
        return now && now !== f;
      },
      [picker, from],
    );
  const inside = (dir: string) => folder === dir || folder.startsWith(dir + sep);
  const roots: string[] = await page.$$eval(
    `${picker} .file-picker-root option`,
    (os: HTMLOptionElement[]) => os.map((o) => o.value),
  );
  const root = roots.filter(inside).sort((a, b) => b.length - a.length)[0];
  assert.ok(root, `${file} lies under none of the picker's roots (${roots.join(', ')})`);
  let dir = await shown();
  if (!inside(dir) && !dir.startsWith(root)) {
    await page.selectOption(`${picker} .file-picker-root`, root);
    await moved(dir);
    dir = await shown();
  }
  while (!inside(dir)) {
    await page.click(`${picker} .file-entry.up`);
    await moved(dir);
    dir = await shown();
  }
  for (const name of relative(dir, folder).split(sep).filter(Boolean)) {
    await page.click(`${picker} .file-entry.dir[data-name="${name}"]`);
    await moved(dir);
    dir = await shown();
  }
  assert.is(dir, folder);
  await page.click(`${picker} .file-entry.file[data-name="${basename(file)}"]`);
  await page.waitForSelector(picker, { state: 'detached' });
  assert.is(await page.inputValue(`#${field}`), join(folder, basename(file)));
}

/** Whether the field refuses typing: a chosen path shows there, read-only. */
// deno-lint-ignore no-explicit-any
export function isReadOnly(page: any, field: string): Promise<boolean> {
  return page.$eval(`#${field}`, (el: HTMLTextAreaElement) => el.readOnly);
}
