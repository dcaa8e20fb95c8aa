import { z } from 'zod';

/**
 * Marks on plugin options, carried into their JSON Schema (zod `.meta`), so the server and the
 * run form treat them without knowing the plugin: a path is confined to the workspace's roots
 * (and offered through the file picker), an option that loads code is refused from requests.
 */
export const PATH_MARK = 'x-gradlens-path';
export const CODE_MARK = 'x-gradlens-code';
/** File name ending a picked file should have (e.g. `.npy`, `model.json`). */
export const PATH_ENDING_MARK = 'x-gradlens-ending';

/** What a path option names: a file, or a folder. */
export type PathKind = 'file' | 'dir';

/**
 * A string option that names a file or folder read by the plugin. Relative values resolve against
 * the run config's folder; from the dashboard they must lie inside the workspace.
 */
export function pathOption(kind: PathKind = 'file', ending?: string): z.ZodString {
  return z.string().min(1).meta({ [PATH_MARK]: kind, ...(ending ? { [PATH_ENDING_MARK]: ending } : {}) });
}

/** A string option naming a module or package whose code the plugin loads: never from a request. */
export function codeOption(): z.ZodString {
  return z.string().min(1).meta({ [CODE_MARK]: true });
}
