/**
 * The part of gradlens's public API that runs in a browser: no tfjs, no Node. The dashboard's page
 * imports these values from here (and types from ./index.ts, which re-exports all of this).
 *
 * @module
 */
export { COLOR_MAPS, type ColorMap, type ColorMapName } from './render/colormap.ts';
export { type Capability, type ModelCapabilities, unmetNeeds } from './pipeline/needs.ts';
