// Node entry of a pool worker: registers tsx in this thread (loader hooks are per thread), then
// runs the TypeScript worker (from the sources; the npm package runs the compiled worker.js).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
